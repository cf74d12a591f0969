package dev.batchlm.finetune;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The repetition rules of Gopher's MassiveText filters (Rae et al. 2021, appendix A, table A1): a
 * text that repeats itself is dropped, with the rule that caught it as the reason. Fractions are of
 * characters, counting the characters of words (whitespace aside):
 *
 * <ul>
 *   <li>{@code duplicate_lines} / {@code duplicate_paragraphs}: lines (paragraphs: blocks split by
 *       blank lines) equal to an earlier one, as a fraction of all (above 0.30), and their
 *       characters as a fraction of all characters (above 0.20);
 *   <li>{@code top_N_gram} for N = 2, 3, 4: the characters of the most frequent word N-gram times
 *       its count, when it occurs more than once (above 0.20, 0.18, 0.16);
 *   <li>{@code duplicate_N_grams} for N = 5 … 10: the characters of the words covered by a repeated
 *       occurrence (the second and later) of any N-gram, each word counted once (above 0.15, 0.14,
 *       0.13, 0.12, 0.11, 0.10).
 * </ul>
 *
 * The paper's prose leaves two choices open; here a top N-gram seen once is no repetition (a short
 * answer would fail otherwise), and words are split on whitespace.
 */
public final class Repetition implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final double LINE_FRACTION = 0.30;
  private static final double LINE_CHAR_FRACTION = 0.20;
  private static final double[] TOP_N_GRAM = {0.20, 0.18, 0.16}; // N = 2, 3, 4
  private static final double[] DUPLICATE_N_GRAMS = {0.15, 0.14, 0.13, 0.12, 0.11, 0.10}; // 5 … 10

  /** The first rule the text breaks, as a reason such as {@code top_2_gram}; empty if none. */
  public Optional<String> check(String text) {
    for (String unit : List.of("lines", "paragraphs")) {
      String[] parts = unit.equals("lines") ? text.split("\n") : text.split("\n\\s*\n");
      List<String> kept =
          Arrays.stream(parts).map(String::strip).filter(p -> !p.isEmpty()).toList();
      double[] dup = duplicates(kept);
      if (dup[0] > LINE_FRACTION || dup[1] > LINE_CHAR_FRACTION) {
        return Optional.of("duplicate_" + unit);
      }
    }
    String[] words = words(text);
    long chars = chars(words, 0, words.length);
    if (chars == 0) {
      return Optional.empty();
    }
    for (int n = 2; n <= 4; n++) {
      if (topNGramChars(words, n) / (double) chars > TOP_N_GRAM[n - 2]) {
        return Optional.of("top_" + n + "_gram");
      }
    }
    for (int n = 5; n <= 10; n++) {
      if (duplicateNGramChars(words, n) / (double) chars > DUPLICATE_N_GRAMS[n - 5]) {
        return Optional.of("duplicate_" + n + "_grams");
      }
    }
    return Optional.empty();
  }

  static String[] words(String text) {
    String t = text.strip();
    return t.isEmpty() ? new String[0] : t.split("\\s+");
  }

  /** Of {@code units}: the fraction that repeat an earlier one, and their share of characters. */
  static double[] duplicates(List<String> units) {
    Set<String> seen = new HashSet<>();
    long dupCount = 0;
    long dupChars = 0;
    long chars = 0;
    for (String u : units) {
      String[] w = words(u);
      long c = chars(w, 0, w.length);
      chars += c;
      if (!seen.add(u)) {
        dupCount++;
        dupChars += c;
      }
    }
    return units.isEmpty()
        ? new double[] {0, 0}
        : new double[] {
          dupCount / (double) units.size(), chars == 0 ? 0 : dupChars / (double) chars
        };
  }

  /** Characters of the most frequent N-gram times its count; 0 when no N-gram repeats. */
  static long topNGramChars(String[] words, int n) {
    Map<List<String>, Integer> counts = new HashMap<>();
    long best = 0;
    for (int i = 0; i + n <= words.length; i++) {
      List<String> gram = Arrays.asList(words).subList(i, i + n);
      int count = counts.merge(gram, 1, Integer::sum);
      if (count > 1) {
        best = Math.max(best, count * chars(words, i, i + n));
      }
    }
    return best;
  }

  /** Characters of the words inside a second or later occurrence of some N-gram, each word once. */
  static long duplicateNGramChars(String[] words, int n) {
    Set<List<String>> seen = new HashSet<>();
    boolean[] covered = new boolean[words.length];
    for (int i = 0; i + n <= words.length; i++) {
      if (!seen.add(Arrays.asList(words).subList(i, i + n))) {
        Arrays.fill(covered, i, i + n, true);
      }
    }
    long out = 0;
    for (int i = 0; i < words.length; i++) {
      out += covered[i] ? words[i].length() : 0;
    }
    return out;
  }

  private static long chars(String[] words, int from, int to) {
    long c = 0;
    for (int i = from; i < to; i++) {
      c += words[i].length();
    }
    return c;
  }
}
