package dev.batchlm.monitor;

import dev.batchlm.monitor.LineChart.Line;
import dev.batchlm.monitor.Trend.Unit;
import dev.batchlm.monitor.Trend.Worse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One chart of the monitoring report: a metric (spend, error rate, an eval mean) night by night,
 * one line per series (a route, a prompt version, a retrieval method).
 *
 * @param name the chart's {@code data-chart} name and anchor
 * @param title its heading
 * @param metric what a flag calls the metric ("error rate")
 */
public record Panel(
    String name, String title, String metric, Unit unit, Worse worse, List<Line> lines) {

  /**
   * The series whose value on {@code night} moved beyond the threshold against the median of up to
   * {@code window} nights before it ({@link Trend#flag}); a series without a value that night is
   * not flagged for an older one.
   */
  public List<Trend.Flag> flags(LocalDate night, int window, int minNights, double relative) {
    List<Trend.Flag> out = new ArrayList<>();
    for (Line line : lines) {
      List<Trend.Point> points =
          line.values().entrySet().stream()
              .map(e -> new Trend.Point(e.getKey(), e.getValue()))
              .toList();
      new Trend(metric + " (" + line.label() + ")", unit, worse, points)
          .flag(window, minNights, relative)
          .filter(f -> f.night().equals(night))
          .ifPresent(out::add);
    }
    return out;
  }

  /** The chart over {@code first}…{@code last}, the points of {@code flags} ringed. */
  public String svg(LocalDate first, LocalDate last, List<Trend.Flag> flags) {
    List<Line> marked = new ArrayList<>();
    for (Line line : lines) {
      String flagged = metric + " (" + line.label() + ")";
      marked.add(
          line.flagging(
              Set.copyOf(
                  flags.stream()
                      .filter(f -> f.trend().metric().equals(flagged))
                      .map(Trend.Flag::night)
                      .toList())));
    }
    return LineChart.svg(name, unit, first, last, marked);
  }

  /** Whether the chart has any point to draw. */
  public boolean isEmpty() {
    return lines.stream().map(Line::values).allMatch(Map::isEmpty);
  }
}
