package dev.batchlm.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * chrF with sacreBLEU 2.x's semantics: character n-grams of orders 1..{@code charOrder} (6) with
 * whitespace removed (or kept), F-beta (beta 2) of their precision and recall. By default the
 * precisions and recalls are averaged over the orders both sides have (sacreBLEU's "effective
 * order"); with {@code epsSmoothing} the per-order F-scores are averaged with epsilon for empty
 * orders, as chrF++.py, NLTK and Moses do. With several references a sentence takes the one with
 * the best score; the corpus score sums the chosen statistics. Scores are 0–100. (Word n-grams,
 * chrF++, are not implemented.)
 */
public final class Chrf {
  private static final double EPS = 1e-16;
  private final int charOrder;
  private final double beta;
  private final boolean epsSmoothing;
  private final boolean keepWhitespace;

  public Chrf(int charOrder, double beta, boolean epsSmoothing, boolean keepWhitespace) {
    this.charOrder = charOrder;
    this.beta = beta;
    this.epsSmoothing = epsSmoothing;
    this.keepWhitespace = keepWhitespace;
  }

  /** sacreBLEU's defaults: 6 character orders, beta 2, effective order, whitespace removed. */
  public static Chrf standard() {
    return new Chrf(6, 2, false, false);
  }

  /** Per order: hypothesis n-grams, reference n-grams, matches ({@code 3 × charOrder} values). */
  public double[] stats(String hypothesis, List<String> references) {
    double[] best = null;
    double bestScore = -1;
    for (String r : references) {
      double[] s = pairStats(hypothesis, r);
      double score = score(s);
      if (score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
    return best == null ? new double[3 * charOrder] : best;
  }

  public double sentenceScore(String hypothesis, List<String> references) {
    return score(stats(hypothesis, references));
  }

  /** The score of summed statistics (a corpus), or of one sentence's. */
  public double score(double[] stats) {
    double factor = beta * beta;
    double score = 0;
    double avgPrec = 0;
    double avgRec = 0;
    int effectiveOrder = 0;
    for (int i = 0; i < charOrder; i++) {
      double hyp = stats[3 * i];
      double ref = stats[3 * i + 1];
      double match = stats[3 * i + 2];
      double prec = hyp > 0 ? match / hyp : EPS;
      double rec = ref > 0 ? match / ref : EPS;
      double denom = factor * prec + rec;
      score += denom > 0 ? (1 + factor) * prec * rec / denom : EPS;
      if (hyp > 0 && ref > 0) {
        effectiveOrder++;
        avgPrec += prec;
        avgRec += rec;
      }
    }
    if (epsSmoothing) {
      return 100 * score / charOrder;
    }
    if (effectiveOrder == 0) {
      return 0;
    }
    avgPrec /= effectiveOrder;
    avgRec /= effectiveOrder;
    if (avgPrec + avgRec == 0) {
      return 0;
    }
    return 100 * (1 + factor) * avgPrec * avgRec / (factor * avgPrec + avgRec);
  }

  private double[] pairStats(String hypothesis, String reference) {
    String h = keepWhitespace ? hypothesis : hypothesis.replaceAll("(?U)\\s+", "");
    String r = keepWhitespace ? reference : reference.replaceAll("(?U)\\s+", "");
    double[] s = new double[3 * charOrder];
    for (int n = 1; n <= charOrder; n++) {
      Map<String, Integer> hc = ngrams(h, n);
      Map<String, Integer> rc = ngrams(r, n);
      int match = 0;
      for (Map.Entry<String, Integer> e : hc.entrySet()) {
        match += Math.min(e.getValue(), rc.getOrDefault(e.getKey(), 0));
      }
      // as sacreBLEU: a reference too short for this order makes the hypothesis count 0 too
      s[3 * (n - 1)] = rc.isEmpty() ? 0 : Math.max(0, h.codePointCount(0, h.length()) - n + 1);
      s[3 * (n - 1) + 1] = Math.max(0, r.codePointCount(0, r.length()) - n + 1);
      s[3 * (n - 1) + 2] = match;
    }
    return s;
  }

  private static Map<String, Integer> ngrams(String s, int n) {
    int[] cps = s.codePoints().toArray();
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i + n <= cps.length; i++) {
      counts.merge(new String(cps, i, n), 1, Integer::sum);
    }
    return counts;
  }
}
