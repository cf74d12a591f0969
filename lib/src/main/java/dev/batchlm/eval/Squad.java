package dev.batchlm.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Exact match and token F1 as the official SQuAD v1.1 evaluation script computes them: answers are
 * lowercased, stripped of ASCII punctuation and of the articles a/an/the, and whitespace-split; F1
 * counts common tokens with multiplicity; with several gold answers the best one counts. Scores are
 * 0–1 per example (the script prints means × 100).
 */
public final class Squad {
  private static final Pattern PUNCTUATION = Pattern.compile("[!-/:-@\\[-`{-~]");
  private static final Pattern ARTICLES =
      Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
  private static final Pattern SPACES = Pattern.compile("(?U)\\s+");

  private Squad() {}

  public static String normalize(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    String noPunct = PUNCTUATION.matcher(lower).replaceAll("");
    String noArticles = ARTICLES.matcher(noPunct).replaceAll(" ");
    return String.join(" ", tokens(noArticles));
  }

  public static double exactMatch(String prediction, List<String> golds) {
    String p = normalize(prediction);
    return golds.stream().anyMatch(g -> normalize(g).equals(p)) ? 1 : 0;
  }

  public static double f1(String prediction, List<String> golds) {
    double best = 0;
    for (String g : golds) {
      best = Math.max(best, f1(prediction, g));
    }
    return best;
  }

  static double f1(String prediction, String gold) {
    List<String> p = tokens(normalize(prediction));
    List<String> g = tokens(normalize(gold));
    Map<String, Integer> goldCounts = new HashMap<>();
    g.forEach(t -> goldCounts.merge(t, 1, Integer::sum));
    int same = 0;
    for (String t : p) {
      Integer left = goldCounts.get(t);
      if (left != null && left > 0) {
        same++;
        goldCounts.put(t, left - 1);
      }
    }
    if (same == 0) {
      return 0;
    }
    double precision = (double) same / p.size();
    double recall = (double) same / g.size();
    return 2 * precision * recall / (precision + recall);
  }

  private static List<String> tokens(String s) {
    String t = s.strip();
    return t.isEmpty() ? List.of() : List.of(SPACES.split(t));
  }
}
