package dev.batchlm.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-example answer metrics the eval job knows, by name: {@code exact_match} and {@code f1}
 * (SQuAD v1.1), {@code rouge1}, {@code rouge2}, {@code rougeL}, {@code rougeLsum} (F1,
 * rouge-score), {@code bleu} and {@code chrf} (sentence level, sacreBLEU defaults), {@code
 * json_valid} (1 when the output parses as JSON) and {@code contains} (1 when the output contains a
 * reference, ignoring case and runs of whitespace); {@code embedding_similarity} is scored by
 * {@link EmbeddingSimilarity}, not here. Every score is in 0–1 (BLEU and chrF divided by 100). An
 * empty output is scored like any other (0 where nothing matches); a missing one is not scored at
 * all.
 */
public final class AnswerMetrics implements Serializable {
  public static final List<String> KNOWN =
      List.of(
          "exact_match",
          "f1",
          "rouge1",
          "rouge2",
          "rougeL",
          "rougeLsum",
          "bleu",
          "chrf",
          "json_valid",
          "contains",
          EmbeddingSimilarity.NAME);
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final List<String> metrics;
  private final boolean stem;

  /**
   * @throws IllegalArgumentException naming an unknown metric and the known ones
   */
  public AnswerMetrics(List<String> metrics, boolean rougeStemmer) {
    for (String m : metrics) {
      if (!KNOWN.contains(m)) {
        throw new IllegalArgumentException(
            "Unknown answer metric '" + m + "' (known: " + String.join(", ", KNOWN) + ")");
      }
    }
    this.metrics = List.copyOf(metrics);
    this.stem = rougeStemmer;
  }

  public List<String> metrics() {
    return metrics;
  }

  /** Metric → score of {@code output} against {@code references} (at least one). */
  public Map<String, Double> score(String output, List<String> references) {
    Map<String, Double> out = new LinkedHashMap<>();
    Rouge rouge = null;
    for (String m : metrics) {
      if (m.equals(EmbeddingSimilarity.NAME)) {
        continue; // needs the embedder: the job scores it in batches (EmbeddingSimilarity)
      }
      double v =
          switch (m) {
            case "exact_match" -> Squad.exactMatch(output, references);
            case "f1" -> Squad.f1(output, references);
            case "bleu" -> Bleu.standard().sentenceScore(output, references) / 100;
            case "chrf" -> Chrf.standard().sentenceScore(output, references) / 100;
            case "json_valid" -> jsonValid(output);
            case "contains" -> contains(output, references);
            default -> {
              rouge = rouge == null ? new Rouge(stem) : rouge;
              yield rouge.score(m, output, references).f1();
            }
          };
      out.put(m, v);
    }
    return out;
  }

  /**
   * Corpus-level metrics (sacreBLEU's {@code corpus_bleu} and {@code corpus_chrf}) from per-example
   * sufficient statistics that add up: {@code bleu_corpus} and {@code chrf_corpus} for the sentence
   * metrics asked for, in 0–1.
   */
  public Map<String, double[]> corpusStats(String output, List<String> references) {
    Map<String, double[]> out = new LinkedHashMap<>();
    if (metrics.contains("bleu")) {
      out.put("bleu_corpus", Bleu.standard().stats(output, references).toArray());
    }
    if (metrics.contains("chrf")) {
      out.put("chrf_corpus", Chrf.standard().stats(output, references));
    }
    return out;
  }

  /** The corpus score of summed statistics, in 0–1. */
  public static double corpusScore(String metric, double[] summed) {
    return metric.equals("bleu_corpus")
        ? Bleu.standard().corpusScore(Bleu.Stats.of(summed)) / 100
        : Chrf.standard().score(summed) / 100;
  }

  private static double contains(String output, List<String> references) {
    String o = squeeze(output);
    return references.stream()
            .map(AnswerMetrics::squeeze)
            .anyMatch(r -> !r.isEmpty() && o.contains(r))
        ? 1
        : 0;
  }

  private static String squeeze(String s) {
    return s.toLowerCase(java.util.Locale.ROOT).replaceAll("(?U)\\s+", " ").strip();
  }

  private static double jsonValid(String output) {
    try {
      JSON.readTree(output);
      return output.isBlank() ? 0 : 1;
    } catch (java.io.IOException e) {
      return 0;
    }
  }
}
