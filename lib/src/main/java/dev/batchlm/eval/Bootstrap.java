package dev.batchlm.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded percentile bootstrap: the mean of per-example scores with a 95% interval, and the paired
 * difference of two systems on the same examples (resampling examples, not systems, so that what
 * the examples share cancels out). Quantiles interpolate linearly, as numpy's default does.
 */
public final class Bootstrap {
  private Bootstrap() {}

  public record Interval(double estimate, double low, double high) {}

  public static Interval mean(double[] values, int resamples, long seed) {
    return paired(values, null, resamples, seed);
  }

  /** Mean of {@code a[i] - b[i]}; {@code a} and {@code b} score the same examples in order. */
  public static Interval pairedDelta(double[] a, double[] b, int resamples, long seed) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(
          "paired bootstrap needs the same examples: " + a.length + " vs " + b.length);
    }
    return paired(a, b, resamples, seed);
  }

  private static Interval paired(double[] a, double[] b, int resamples, long seed) {
    int n = a.length;
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN);
    }
    double[] d = new double[n];
    for (int i = 0; i < n; i++) {
      d[i] = b == null ? a[i] : a[i] - b[i];
    }
    double[] means = new double[resamples];
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int r = 0; r < resamples; r++) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += d[rnd.nextInt(n)];
      }
      means[r] = sum / n;
    }
    Arrays.sort(means);
    return new Interval(Arrays.stream(d).sum() / n, quantile(means, 0.025), quantile(means, 0.975));
  }

  /**
   * A corpus-level statistic (corpus BLEU, chrF): {@code score} of the summed per-example
   * sufficient statistics, with a percentile interval from resampling examples.
   */
  public static Interval corpus(
      double[][] stats,
      java.util.function.ToDoubleFunction<double[]> score,
      int resamples,
      long seed) {
    int n = stats.length;
    if (n == 0) {
      return new Interval(Double.NaN, Double.NaN, Double.NaN);
    }
    int width = stats[0].length;
    double[] all = new double[width];
    for (double[] s : stats) {
      for (int j = 0; j < width; j++) {
        all[j] += s[j];
      }
    }
    double[] scores = new double[resamples];
    SplittableRandom rnd = new SplittableRandom(seed);
    for (int r = 0; r < resamples; r++) {
      double[] sum = new double[width];
      for (int i = 0; i < n; i++) {
        double[] s = stats[rnd.nextInt(n)];
        for (int j = 0; j < width; j++) {
          sum[j] += s[j];
        }
      }
      scores[r] = score.applyAsDouble(sum);
    }
    Arrays.sort(scores);
    return new Interval(score.applyAsDouble(all), quantile(scores, 0.025), quantile(scores, 0.975));
  }

  static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
