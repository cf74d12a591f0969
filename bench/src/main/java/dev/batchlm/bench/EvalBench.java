package dev.batchlm.bench;

import dev.batchlm.eval.AnswerMetrics;
import dev.batchlm.eval.Bootstrap;
import dev.batchlm.eval.EmbeddingSimilarity;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Speed of the reference metrics on synthetic examples (one core, as one Spark task runs them):
 * each metric alone over N answer/reference pairs of 8–40 words drawn from a 5,000-word vocabulary
 * (the reference shares about half the answer's words, in order), and the bootstrap over N scores.
 * The baseline, in the same run, is the cost of reading the pairs without scoring (lowercasing and
 * splitting both texts).
 *
 * <p>Usage: {@code EvalBench [N, default 1000000]}.
 */
public final class EvalBench {
  public static void main(String[] args) {
    Locale.setDefault(Locale.ROOT);
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    String[] outputs = new String[n];
    String[] refs = new String[n];
    Random rnd = new Random(7);
    for (int i = 0; i < n; i++) {
      String[] pair = pair(rnd);
      outputs[i] = pair[0];
      refs[i] = pair[1];
    }
    long t0 = System.nanoTime();
    long words = 0;
    for (int i = 0; i < n; i++) {
      words += outputs[i].toLowerCase(Locale.ROOT).split(" ").length;
      words += refs[i].toLowerCase(Locale.ROOT).split(" ").length;
    }
    double base = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "%d pairs, %.1f words per text on average; baseline (lowercase + split both): %.0f pairs/s%n",
        n, words / (2.0 * n), n / base);
    for (String metric : AnswerMetrics.KNOWN) {
      if (metric.equals(EmbeddingSimilarity.NAME)) {
        continue; // needs an encoder model: its cost is the embed job's, not measured here
      }
      AnswerMetrics m = new AnswerMetrics(List.of(metric), metric.startsWith("rouge"));
      int warm = Math.min(n, 20_000);
      for (int i = 0; i < warm; i++) {
        m.score(outputs[i], List.of(refs[i]));
      }
      double sum = 0;
      t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        sum += m.score(outputs[i], List.of(refs[i])).get(metric).value();
      }
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "%-12s %9.0f pairs/s  (%5.1f s for %d; mean %.4f)%s%n",
          metric, n / s, s, n, sum / n, metric.startsWith("rouge") ? " stemmed" : "");
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = rnd.nextDouble();
    }
    for (int resamples : new int[] {200, 1000}) {
      t0 = System.nanoTime();
      Bootstrap.Interval ci = Bootstrap.mean(values, resamples, 1);
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "bootstrap of the mean of %d scores, %d resamples: %.1f s [%.5f, %.5f]%n",
          n, resamples, s, ci.low(), ci.high());
    }
  }

  private static final String[] VOCAB = new String[5000];

  static {
    for (int i = 0; i < VOCAB.length; i++) {
      VOCAB[i] = Integer.toString(i * 7919 % 100_003, 36) + (i % 3 == 0 ? "ing" : "");
    }
  }

  /**
   * A synthetic answer and its reference: 8–40 words from the vocabulary, the reference sharing
   * about half of the answer's words in order.
   */
  static String[] pair(Random rnd) {
    int len = 8 + rnd.nextInt(33);
    StringBuilder o = new StringBuilder();
    StringBuilder r = new StringBuilder();
    for (int w = 0; w < len; w++) {
      String word = VOCAB[rnd.nextInt(VOCAB.length)];
      o.append(word).append(w % 9 == 8 ? ". " : " ");
      r.append(rnd.nextBoolean() ? word : VOCAB[rnd.nextInt(VOCAB.length)]).append(' ');
    }
    return new String[] {o.toString().strip(), r.toString().strip()};
  }
}
