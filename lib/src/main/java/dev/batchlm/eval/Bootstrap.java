package dev.batchlm.eval;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Seeded Poisson bootstrap that streams: in every resample each example is counted a Poisson(1)
 * number of times (on average once, as when drawing n of n with replacement), its count drawn from
 * the seed and the example's id. So the resamples do not depend on the order examples arrive in or
 * on how Spark partitions them, and {@link Sums} adds examples one at a time and merges partial
 * sums: a group of any size is summarized in memory proportional to the resamples, not to the
 * examples (Hanley and MacGibbon 2006; Chamandy et al. 2012 for its use at scale). Intervals are
 * percentiles of the resampled statistics, interpolated linearly as numpy's default does.
 */
public final class Bootstrap {
  private Bootstrap() {}

  public record Interval(double estimate, double low, double high) {
    static final Interval NONE = new Interval(Double.NaN, Double.NaN, Double.NaN);
  }

  /** P(Poisson(1) ≤ k), up to where it rounds to 1. */
  private static final double[] POISSON_CDF;

  static {
    double[] cdf = new double[32];
    double p = Math.exp(-1);
    double c = 0;
    int k = 0;
    for (; k < cdf.length && c < 1; k++) {
      c += p;
      cdf[k] = c;
      p /= k + 1;
    }
    POISSON_CDF = Arrays.copyOf(cdf, k);
  }

  /** The example's count in each resample: Poisson(1) draws seeded by the seed and its id. */
  static int[] counts(String id, int resamples, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed ^ fnv1a64(id));
    int[] w = new int[resamples];
    for (int r = 0; r < resamples; r++) {
      double u = rnd.nextDouble();
      int k = 0;
      while (k < POISSON_CDF.length - 1 && u >= POISSON_CDF[k]) {
        k++;
      }
      w[r] = k;
    }
    return w;
  }

  /** 64-bit FNV-1a of the id's characters: a seed per example, unlike String.hashCode's 32 bits. */
  private static long fnv1a64(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }

  /**
   * Sums of vectors over the examples added (exactly), and per resample the sums weighted by the
   * examples' counts, with the number of examples each resample drew. Mergeable; the examples'
   * vectors all have the same width.
   */
  public static final class Sums implements Serializable {
    private final int resamples;
    private final long seed;
    private long n;
    private double[] total; // null until the first example: its width is then known
    private final long[] drawn;
    private double[][] resampled;

    public Sums(int resamples, long seed) {
      this.resamples = resamples;
      this.seed = seed;
      this.drawn = new long[resamples];
    }

    /** Adds one example's vector. */
    public Sums add(String id, double... x) {
      return add(counts(id, resamples, seed), x);
    }

    /** Adds one example's vector with its counts (from {@link #counts}, shared across sums). */
    Sums add(int[] counts, double[] x) {
      if (total == null) {
        total = new double[x.length];
        resampled = new double[resamples][x.length];
      }
      n++;
      for (int j = 0; j < x.length; j++) {
        total[j] += x[j];
      }
      for (int r = 0; r < resamples; r++) {
        int w = counts[r];
        if (w != 0) {
          drawn[r] += w;
          double[] s = resampled[r];
          for (int j = 0; j < x.length; j++) {
            s[j] += w * x[j];
          }
        }
      }
      return this;
    }

    public Sums merge(Sums o) {
      if (o.total == null) {
        return this;
      }
      if (total == null) {
        total = o.total.clone();
        resampled = new double[resamples][];
        Arrays.setAll(resampled, r -> o.resampled[r].clone());
      } else {
        for (int j = 0; j < total.length; j++) {
          total[j] += o.total[j];
        }
        for (int r = 0; r < resamples; r++) {
          for (int j = 0; j < total.length; j++) {
            resampled[r][j] += o.resampled[r][j];
          }
        }
      }
      n += o.n;
      for (int r = 0; r < resamples; r++) {
        drawn[r] += o.drawn[r];
      }
      return this;
    }

    public long n() {
      return n;
    }

    /** The mean of component j, with its interval. */
    public Interval mean(int j) {
      return interval(s -> s[j], true);
    }

    /**
     * A statistic of the summed vector (a corpus score of summed sufficient statistics), with its
     * interval: each resample's sums are those of a corpus that repeats each example its count.
     */
    public Interval statistic(ToDoubleFunction<double[]> of) {
      return interval(of, false);
    }

    private Interval interval(ToDoubleFunction<double[]> of, boolean perExample) {
      if (n == 0) {
        return Interval.NONE;
      }
      double[] values = new double[resamples];
      int m = 0;
      for (int r = 0; r < resamples; r++) {
        if (drawn[r] > 0) { // a resample that drew nothing has no statistic
          double v = of.applyAsDouble(resampled[r]);
          values[m++] = perExample ? v / drawn[r] : v;
        }
      }
      double estimate = of.applyAsDouble(total) / (perExample ? n : 1);
      if (m == 0) {
        return new Interval(estimate, Double.NaN, Double.NaN);
      }
      double[] sorted = Arrays.copyOf(values, m);
      Arrays.sort(sorted);
      return new Interval(estimate, quantile(sorted, 0.025), quantile(sorted, 0.975));
    }
  }

  /** The mean of {@code values} (example i has id "i") with its interval. */
  public static Interval mean(double[] values, int resamples, long seed) {
    Sums s = new Sums(resamples, seed);
    for (int i = 0; i < values.length; i++) {
      s.add(Integer.toString(i), values[i]);
    }
    return s.mean(0);
  }

  static double quantile(double[] sorted, double q) {
    double pos = q * (sorted.length - 1);
    int lo = (int) Math.floor(pos);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
  }
}
