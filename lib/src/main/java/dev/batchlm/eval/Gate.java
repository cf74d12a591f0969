package dev.batchlm.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One check a scheduler can fail a pipeline on, over slice {@code all} of every system scored with
 * the metric: {@code metric:max-drop} (the mean may fall at most this much below the baseline's
 * over the paired examples) or {@code metric>=min} (the mean must reach it).
 */
public record Gate(String metric, double maxDrop, double min) {
  public static Gate parse(String spec, List<String> knownMetrics) {
    String s = spec.replace(" ", "");
    Gate g;
    try {
      if (s.contains(">=")) {
        String[] p = s.split(">=", 2);
        g = new Gate(p[0], Double.NaN, Double.parseDouble(p[1]));
      } else if (s.contains(":")) {
        String[] p = s.split(":", 2);
        g = new Gate(p[0], Double.parseDouble(p[1]), Double.NaN);
      } else {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "'"
              + spec
              + "' is not a check: write metric:max-drop (f1:0.02) or metric>=min (f1>=0.5)");
    }
    if (!knownMetrics.contains(g.metric)) {
      throw new IllegalArgumentException(
          "'"
              + spec
              + "' names metric '"
              + g.metric
              + "', which this run does not compute ("
              + String.join(", ", knownMetrics)
              + ")");
    }
    return g;
  }

  public boolean needsBaseline() {
    return !Double.isNaN(maxDrop);
  }

  /** One line per failure among the summaries of slice {@code all}. */
  public List<String> check(List<Summaries.Summary> summaries) {
    List<String> out = new ArrayList<>();
    for (Summaries.Summary s : summaries) {
      if (!s.metric().equals(metric) || !s.slice().equals("all")) {
        continue;
      }
      String who = metric + " (" + s.kind() + ", " + s.system() + ")";
      if (needsBaseline() && s.paired() > 0 && s.delta() < -maxDrop) {
        out.add(
            String.format(
                Locale.ROOT,
                "%s dropped by %.4f on %d paired examples (%.4f -> %.4f; 95%% CI of the change"
                    + " [%.4f, %.4f]); allowed %.4f",
                who,
                -s.delta(),
                s.paired(),
                s.baselineMean(),
                s.baselineMean() + s.delta(),
                s.deltaLow(),
                s.deltaHigh(),
                maxDrop));
      }
      if (needsBaseline() && s.paired() == 0) {
        out.add(who + ": no example in common with the baseline, so no drop can be measured");
      }
      if (!Double.isNaN(min) && !(s.mean() >= min)) {
        out.add(
            String.format(Locale.ROOT, "%s is %.4f, below the minimum %.4f", who, s.mean(), min));
      }
    }
    return out;
  }
}
