package dev.batchlm.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-query retrieval metrics with trec_eval's semantics: the run is ordered by score descending,
 * ties by document id descending (trec_eval's order, whatever the ranks in the run say; scores are
 * compared as trec_eval reads them, in single precision, so 0.1 and 0.10000000001 tie); a document
 * is relevant when its judged grade is at least 1; P@k divides by k; recall@k and average precision
 * divide by the number of relevant documents judged for the query; nDCG@k uses the grade as gain
 * and log2(rank + 1) as discount, against the ideal ordering of the judged grades; reciprocal rank
 * is that of the first relevant document (0 when none is retrieved). A query with no relevant
 * judgment has no scores (report it as coverage, not as zeros).
 */
public final class RetrievalMetrics {
  private RetrievalMetrics() {}

  public record Retrieved(String docId, double score) {}

  /** The metric names {@link #score} produces for these cut-offs. */
  public static List<String> names(int... ks) {
    List<String> out = new ArrayList<>();
    for (int k : ks) {
      out.addAll(List.of("P@" + k, "recall@" + k, "hit@" + k, "nDCG@" + k));
    }
    out.addAll(List.of("MRR", "MAP"));
    return out;
  }

  /** trec_eval's ranking of a run: score (as a float) descending, then document id descending. */
  public static List<String> ranking(List<Retrieved> run) {
    List<Retrieved> sorted = new ArrayList<>(run);
    sorted.sort(
        Comparator.comparingDouble((Retrieved r) -> (float) r.score())
            .reversed()
            .thenComparing(Retrieved::docId, Comparator.reverseOrder()));
    return sorted.stream().map(Retrieved::docId).toList();
  }

  /**
   * Metric name → value for one query: {@code P@k}, {@code recall@k}, {@code hit@k} and {@code
   * nDCG@k} for each k, {@code MRR} and {@code MAP}; empty when the query has no relevant judgment.
   *
   * @param grades judged document id → grade (0 = judged not relevant)
   */
  public static Map<String, Double> score(
      List<Retrieved> run, Map<String, Integer> grades, int... ks) {
    Map<String, Double> out = new LinkedHashMap<>();
    long relevant = grades.values().stream().filter(g -> g >= 1).count();
    if (relevant == 0) {
      return out;
    }
    List<String> ranked = ranking(run);
    double[] idealGains =
        grades.values().stream()
            .filter(g -> g > 0)
            .sorted(Comparator.reverseOrder())
            .mapToDouble(Integer::doubleValue)
            .toArray();
    for (int k : ks) {
      int hits = 0;
      double dcg = 0;
      for (int i = 0; i < Math.min(k, ranked.size()); i++) {
        int g = grades.getOrDefault(ranked.get(i), 0);
        if (g >= 1) {
          hits++;
        }
        dcg += Math.max(g, 0) / log2(i + 2);
      }
      double idcg = 0;
      for (int i = 0; i < Math.min(k, idealGains.length); i++) {
        idcg += idealGains[i] / log2(i + 2);
      }
      out.put("P@" + k, (double) hits / k);
      out.put("recall@" + k, (double) hits / relevant);
      out.put("hit@" + k, hits > 0 ? 1.0 : 0.0);
      out.put("nDCG@" + k, idcg > 0 ? dcg / idcg : 0);
    }
    double reciprocal = 0;
    double precisionSum = 0;
    int found = 0;
    for (int i = 0; i < ranked.size(); i++) {
      if (grades.getOrDefault(ranked.get(i), 0) >= 1) {
        found++;
        precisionSum += (double) found / (i + 1);
        if (reciprocal == 0) {
          reciprocal = 1.0 / (i + 1);
        }
      }
    }
    out.put("MRR", reciprocal);
    out.put("MAP", precisionSum / relevant);
    return out;
  }

  private static double log2(double x) {
    return Math.log(x) / Math.log(2);
  }
}
