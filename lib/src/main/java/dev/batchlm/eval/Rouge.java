package dev.batchlm.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.tartarus.snowball.ext.porterStemmer;

/**
 * ROUGE with the semantics of Google's {@code rouge-score}: text lowercased, every run of
 * characters other than {@code a-z0-9} a separator, optionally Porter-stemmed (tokens longer than 3
 * characters; the Snowball project's "porter", the original algorithm); ROUGE-N from clipped n-gram
 * overlaps, ROUGE-L from the longest common subsequence, ROUGE-Lsum from the union LCS of each
 * reference sentence against the prediction's sentences (sentences are lines). Precision, recall
 * and F1 in 0–1; with several references the one with the best F1 counts ({@code score_multi}).
 */
public final class Rouge {
  private static final Pattern NON_ALNUM = Pattern.compile("[^a-z0-9]+");
  private final boolean stem;

  public Rouge(boolean stem) {
    this.stem = stem;
  }

  public record Score(double precision, double recall, double f1) {
    static final Score ZERO = new Score(0, 0, 0);

    static Score of(double hits, double predicted, double reference) {
      double p = predicted > 0 ? hits / predicted : 0;
      double r = reference > 0 ? hits / reference : 0;
      return new Score(p, r, p + r > 0 ? 2 * p * r / (p + r) : 0);
    }
  }

  /**
   * @param type {@code rouge1} .. {@code rouge9}, {@code rougeL} or {@code rougeLsum}
   */
  public Score score(String type, String prediction, List<String> references) {
    Score best = Score.ZERO;
    for (String r : references) {
      Score s = score(type, prediction, r);
      if (s.f1() > best.f1()) {
        best = s;
      }
    }
    return best;
  }

  public Score score(String type, String prediction, String reference) {
    if (type.equals("rougeL")) {
      List<String> p = tokens(prediction);
      List<String> r = tokens(reference);
      return Score.of(lcsLength(r, p), p.size(), r.size());
    }
    if (type.equals("rougeLsum")) {
      return summaryLevelLcs(sentences(reference), sentences(prediction));
    }
    if (type.matches("rouge[1-9]")) {
      int n = type.charAt(5) - '0';
      Map<List<String>, Integer> p = ngrams(tokens(prediction), n);
      Map<List<String>, Integer> r = ngrams(tokens(reference), n);
      int hits = 0;
      for (Map.Entry<List<String>, Integer> e : p.entrySet()) {
        hits += Math.min(e.getValue(), r.getOrDefault(e.getKey(), 0));
      }
      return Score.of(hits, total(p), total(r));
    }
    throw new IllegalArgumentException(
        "ROUGE type '" + type + "' is not known (rouge1 .. rouge9, rougeL, rougeLsum)");
  }

  List<String> tokens(String text) {
    List<String> out = new ArrayList<>();
    porterStemmer stemmer = stem ? new porterStemmer() : null;
    for (String t : NON_ALNUM.matcher(text.toLowerCase(Locale.ROOT)).replaceAll(" ").split(" ")) {
      if (t.isEmpty()) {
        continue;
      }
      if (stemmer != null && t.length() > 3) {
        stemmer.setCurrent(t);
        stemmer.stem();
        t = stemmer.getCurrent();
      }
      out.add(t);
    }
    return out;
  }

  private List<List<String>> sentences(String text) {
    List<List<String>> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      List<String> t = tokens(line);
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  /**
   * ROUGE-Lsum: each reference sentence's union LCS hits, each token counted at most as often as it
   * occurs on both sides.
   */
  private static Score summaryLevelLcs(List<List<String>> ref, List<List<String>> pred) {
    int m = ref.stream().mapToInt(List::size).sum();
    int n = pred.stream().mapToInt(List::size).sum();
    if (m == 0 || n == 0) {
      return Score.ZERO;
    }
    Map<String, Integer> refCounts = new HashMap<>();
    Map<String, Integer> predCounts = new HashMap<>();
    ref.forEach(s -> s.forEach(t -> refCounts.merge(t, 1, Integer::sum)));
    pred.forEach(s -> s.forEach(t -> predCounts.merge(t, 1, Integer::sum)));
    int hits = 0;
    for (List<String> r : ref) {
      for (String t : unionLcs(r, pred)) {
        if (refCounts.getOrDefault(t, 0) > 0 && predCounts.getOrDefault(t, 0) > 0) {
          hits++;
          refCounts.merge(t, -1, Integer::sum);
          predCounts.merge(t, -1, Integer::sum);
        }
      }
    }
    return Score.of(hits, n, m);
  }

  /** The reference tokens in the LCS with any prediction sentence, in reference order. */
  private static List<String> unionLcs(List<String> ref, List<List<String>> pred) {
    java.util.TreeSet<Integer> union = new java.util.TreeSet<>();
    for (List<String> p : pred) {
      union.addAll(lcsIndices(ref, p));
    }
    List<String> out = new ArrayList<>();
    union.forEach(i -> out.add(ref.get(i)));
    return out;
  }

  private static int[][] lcsTable(List<String> a, List<String> b) {
    int[][] t = new int[a.size() + 1][b.size() + 1];
    for (int i = 1; i <= a.size(); i++) {
      for (int j = 1; j <= b.size(); j++) {
        t[i][j] =
            a.get(i - 1).equals(b.get(j - 1))
                ? t[i - 1][j - 1] + 1
                : Math.max(t[i - 1][j], t[i][j - 1]);
      }
    }
    return t;
  }

  static int lcsLength(List<String> a, List<String> b) {
    return lcsTable(a, b)[a.size()][b.size()];
  }

  /** Indices into {@code ref} of one LCS, read back from the table as rouge-score does. */
  static List<Integer> lcsIndices(List<String> ref, List<String> pred) {
    int[][] t = lcsTable(ref, pred);
    List<Integer> out = new ArrayList<>();
    int i = ref.size();
    int j = pred.size();
    while (i > 0 && j > 0) {
      if (ref.get(i - 1).equals(pred.get(j - 1))) {
        out.add(0, i - 1);
        i--;
        j--;
      } else if (t[i][j - 1] > t[i - 1][j]) {
        j--;
      } else {
        i--;
      }
    }
    return out;
  }

  private static Map<List<String>, Integer> ngrams(List<String> tokens, int n) {
    Map<List<String>, Integer> counts = new HashMap<>();
    for (int i = 0; i + n <= tokens.size(); i++) {
      counts.merge(List.copyOf(tokens.subList(i, i + n)), 1, Integer::sum);
    }
    return counts;
  }

  private static int total(Map<?, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }
}
