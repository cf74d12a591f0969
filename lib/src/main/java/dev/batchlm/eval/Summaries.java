package dev.batchlm.eval;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
      double deltaHigh) {}

  /**
   * @param scores example id → score in this run
   * @param baseline example id → score in the baseline run; null without one
   */
  public static Summary summarize(
      String kind,
      String system,
      String metric,
      String slice,
      Map<String, Double> scores,
      long expected,
      Map<String, Double> baseline,
      int resamples,
      long seed) {
    double[] values = scores.values().stream().mapToDouble(Double::doubleValue).toArray();
    Bootstrap.Interval m = Bootstrap.mean(values, resamples, seed);
    // the pairing must not depend on map order
    List<String> common =
        baseline == null
            ? List.of()
            : scores.keySet().stream().filter(baseline::containsKey).sorted().toList();
    double[] now = common.stream().mapToDouble(scores::get).toArray();
    double[] before = common.stream().mapToDouble(id -> baseline.get(id)).toArray();
    Bootstrap.Interval d =
        baseline == null
            ? new Bootstrap.Interval(Double.NaN, Double.NaN, Double.NaN)
            : Bootstrap.pairedDelta(now, before, resamples, seed);
    return new Summary(
        kind,
        system,
        metric,
        slice,
        values.length,
        expected,
        m.estimate(),
        m.low(),
        m.high(),
        common.size(),
        java.util.Arrays.stream(before).average().orElse(Double.NaN),
        d.estimate(),
        d.low(),
        d.high());
  }

  /** Per-slice maps from (id, slices) rows: every example is in "all" and in each of its tags. */
  public static Map<String, Map<String, Double>> bySlice(
      Map<String, Double> scores, Map<String, List<String>> tags) {
    Map<String, Map<String, Double>> out = new HashMap<>();
    scores.forEach(
        (id, v) -> {
          out.computeIfAbsent("all", k -> new HashMap<>()).put(id, v);
          for (String t : tags.getOrDefault(id, List.of())) {
            out.computeIfAbsent(t, k -> new HashMap<>()).put(id, v);
          }
        });
    return out;
  }
}
