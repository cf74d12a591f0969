package dev.batchlm.monitor;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One metric night by night (spend of a route, error rate, latency p95, an eval mean), and whether
 * its last night moved beyond a threshold against the median of the nights before it: what the
 * monitoring report flags at its top and what {@code report.alert} pages on.
 */
public record Trend(String metric, Unit unit, Worse worse, List<Point> points) {
  /** A night's value. */
  public record Point(LocalDate night, double value) {}

  /** Which way of moving is bad news. */
  public enum Worse {
    UP,
    DOWN,
    BOTH,
    /** Shown, never flagged: counts that move with the data, such as a fine-tuning funnel. */
    NEITHER
  }

  /**
   * How values read, and the least change worth a flag whatever the relative one: a rate moving
   * from 0 to 0.1% is infinitely many times its median, and nothing to page on.
   */
  public enum Unit {
    RATE(0.005),
    MILLIS(50),
    SECONDS(30),
    USD(0.01),
    COUNT(10),
    SCORE(0.02);

    final double least;

    Unit(double least) {
      this.least = least;
    }

    public String format(double v) {
      return switch (this) {
        case RATE -> String.format(Locale.ROOT, "%.1f%%", 100 * v);
        case MILLIS -> String.format(Locale.ROOT, "%.0f ms", v);
        case SECONDS -> String.format(Locale.ROOT, "%.0f s", v);
        case USD -> String.format(Locale.ROOT, v < 1 ? "%.4f USD" : "%.2f USD", v);
        case COUNT -> String.format(Locale.ROOT, v == Math.rint(v) ? "%,.0f" : "%.2f", v);
        case SCORE -> String.format(Locale.ROOT, "%.3f", v);
      };
    }
  }

  /** A night that moved: its value, the trailing median and how many nights that median is of. */
  public record Flag(Trend trend, LocalDate night, double value, double median, int nights) {
    /** {@code error rate 4.1% vs 0.3% median of 14 nights}. */
    public String message() {
      return String.format(
          Locale.ROOT,
          "%s %s vs %s median of %d nights",
          trend.metric(),
          trend.unit().format(value),
          trend.unit().format(median),
          nights);
    }
  }

  public Trend {
    points = points.stream().sorted(Comparator.comparing(Point::night)).toList();
  }

  /**
   * The last night's flag when it is worse than the median of up to {@code window} nights before it
   * by more than {@code relative} of that median and by more than the unit's least change; empty
   * with fewer than {@code minNights} earlier nights.
   */
  public Optional<Flag> flag(int window, int minNights, double relative) {
    if (points.size() < minNights + 1) {
      return Optional.empty();
    }
    Point last = points.get(points.size() - 1);
    List<Point> before = points.subList(Math.max(0, points.size() - 1 - window), points.size() - 1);
    double median = median(before.stream().map(Point::value).toList());
    double change = last.value() - median;
    boolean wrongWay =
        switch (worse) {
          case UP -> change > 0;
          case DOWN -> change < 0;
          case BOTH -> change != 0;
          case NEITHER -> false;
        };
    boolean beyond =
        Math.abs(change) > relative * Math.abs(median) && Math.abs(change) > unit.least;
    return wrongWay && beyond
        ? Optional.of(new Flag(this, last.night(), last.value(), median, before.size()))
        : Optional.empty();
  }

  /** The middle value, or the mean of the two middle ones. */
  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
