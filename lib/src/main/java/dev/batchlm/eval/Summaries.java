package dev.batchlm.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A metric's summary over one slice of examples: mean with a bootstrap interval, and against a
 * baseline run the paired difference over the examples both runs scored (examples only one run has
 * are counted, not paired).
 */
public final class Summaries {
  private Summaries() {}

  /**
   * @param n examples scored; {@code expected} examples that should have been (coverage = n /
   *     expected)
   * @param paired examples the baseline scored too; NaN deltas without a baseline
   */
  public record Summary(
      String kind,
      String system,
      String metric,
      String slice,
      long n,
      long expected,
      double mean,
      double low,
      double high,
      long paired,
      double baselineMean,
      double delta,
      double deltaLow,
      double deltaHigh)
      implements Serializable {
    public Summary withExpected(long expected) {
      return new Summary(
          kind,
          system,
          metric,
          slice,
          n,
          expected,
          mean,
          low,
          high,
          paired,
          baselineMean,
          delta,
          deltaLow,
          deltaHigh);
    }
  }

  /**
   * The running sums of one group (a metric over one slice of one system's examples): each example
   * is added with its score, the baseline's score (NaN when the baseline did not score it), and for
   * {@code bleu} and {@code chrf} the sufficient statistics of each (null otherwise, or when the
   * baseline has none). Partial groups merge, so Spark can sum a group where its examples are.
   */
  public static final class Group implements Serializable {
    private final int resamples;
    private final long seed;
    private final Bootstrap.Sums scores;
    private final Bootstrap.Sums paired; // (score − baseline, baseline)
    private final Bootstrap.Sums corpus; // statistics
    private final Bootstrap.Sums corpusPaired; // (statistics, baseline's statistics)
    private long withoutStats;

    public Group(int resamples, long seed) {
      this.resamples = resamples;
      this.seed = seed;
      scores = new Bootstrap.Sums(resamples, seed);
      paired = new Bootstrap.Sums(resamples, seed);
      corpus = new Bootstrap.Sums(resamples, seed);
      corpusPaired = new Bootstrap.Sums(resamples, seed);
    }

    public Group add(
        String id, double score, double baseline, double[] stats, double[] baselineStats) {
      int[] counts = Bootstrap.counts(id, resamples, seed); // the same resamples for every sum
      scores.add(counts, new double[] {score});
      boolean both = !Double.isNaN(baseline);
      if (both) {
        paired.add(counts, new double[] {score - baseline, baseline});
      }
      if (stats == null) {
        withoutStats++;
      } else {
        corpus.add(counts, stats);
        if (both && baselineStats != null) {
          double[] x = Arrays.copyOf(stats, stats.length + baselineStats.length);
          System.arraycopy(baselineStats, 0, x, stats.length, baselineStats.length);
          corpusPaired.add(counts, x);
        }
      }
      return this;
    }

    public Group merge(Group o) {
      scores.merge(o.scores);
      paired.merge(o.paired);
      corpus.merge(o.corpus);
      corpusPaired.merge(o.corpusPaired);
      withoutStats += o.withoutStats;
      return this;
    }
  }

  /**
   * The summaries of one group: the mean, and for {@code bleu} and {@code chrf} also the corpus
   * score of the summed statistics ({@code bleu_corpus}, {@code chrf_corpus}), each with its
   * bootstrap interval and the paired difference against the baseline over the examples both runs
   * scored. {@code expected} is {@code n}; the caller knows better for the slice {@code all}.
   */
  public static List<Summary> summarize(
      String kind, String system, String metric, String slice, Group g, AnswerMetrics metrics) {
    List<Summary> out = new ArrayList<>();
    out.add(
        summary(
            kind,
            system,
            metric,
            slice,
            g.scores.n(),
            g.scores.mean(0),
            g.paired.n(),
            g.paired.mean(1).estimate(),
            g.paired.mean(0)));
    if (g.withoutStats == 0 && g.corpus.n() > 0) {
      ToDoubleFunction<double[]> score = summed -> metrics.corpusScore(metric, summed);
      ToDoubleFunction<double[]> before =
          both -> score.applyAsDouble(Arrays.copyOfRange(both, both.length / 2, both.length));
      ToDoubleFunction<double[]> now =
          both -> score.applyAsDouble(Arrays.copyOf(both, both.length / 2));
      out.add(
          summary(
              kind,
              system,
              AnswerMetrics.corpusName(metric),
              slice,
              g.corpus.n(),
              g.corpus.statistic(score),
              g.corpusPaired.n(),
              g.corpusPaired.statistic(before).estimate(),
              g.corpusPaired.statistic(b -> now.applyAsDouble(b) - before.applyAsDouble(b))));
    }
    return out;
  }

  private static Summary summary(
      String kind,
      String system,
      String metric,
      String slice,
      long n,
      Bootstrap.Interval mean,
      long paired,
      double baselineMean,
      Bootstrap.Interval delta) {
    return new Summary(
        kind,
        system,
        metric,
        slice,
        n,
        n,
        mean.estimate(),
        mean.low(),
        mean.high(),
        paired,
        baselineMean,
        delta.estimate(),
        delta.low(),
        delta.high());
  }
}
