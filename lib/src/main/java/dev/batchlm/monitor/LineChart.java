package dev.batchlm.monitor;

import dev.batchlm.monitor.Trend.Unit;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A line chart of nightly values as inline SVG, for a report that opens from disk with no script or
 * font to fetch: one line per series (a route, a prompt version, a retrieval method), nights on the
 * x axis by calendar day (a missed night leaves a gap in the spacing), values from 0 up. Each point
 * carries a tooltip; a flagged night's points are ringed in red; intervals are whiskers.
 */
public final class LineChart {
  static final String[] COLORS = {
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f"
  };
  static final int WIDTH = 660;
  static final int HEIGHT = 220;
  static final int LEFT = 70;
  static final int RIGHT = 170; // the legend
  static final int TOP = 10;
  static final int BOTTOM = 30;

  /**
   * A series: its label, its value per night, per night an interval {low, high} if any, and the
   * nights its points are flagged.
   */
  public record Line(
      String label,
      Map<LocalDate, Double> values,
      Map<LocalDate, double[]> intervals,
      Set<LocalDate> flagged) {
    public Line(String label, Map<LocalDate, Double> values, Map<LocalDate, double[]> intervals) {
      this(label, values, intervals, Set.of());
    }

    public Line(String label, Map<LocalDate, Double> values) {
      this(label, values, Map.of());
    }

    public Line flagging(Set<LocalDate> nights) {
      return new Line(label, values, intervals, nights);
    }
  }

  private LineChart() {}

  /**
   * The chart named {@code name} (its {@code data-chart} attribute) over {@code first}…{@code
   * last}; each line's flagged points are ringed.
   */
  public static String svg(
      String name, Unit unit, LocalDate first, LocalDate last, List<Line> lines) {
    long days = Math.max(1, ChronoUnit.DAYS.between(first, last));
    double max = 0;
    for (Line l : lines) {
      for (double v : l.values().values()) {
        max = Math.max(max, v);
      }
      for (double[] i : l.intervals().values()) {
        max = Math.max(max, i[1]);
      }
    }
    double top = niceCeiling(max);
    int plotW = WIDTH - LEFT - RIGHT;
    int plotH = HEIGHT - TOP - BOTTOM;
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\""
                + " data-chart=\"%s\">",
            WIDTH,
            HEIGHT,
            Html.escape(name)));
    for (int t = 0; t <= 4; t++) { // value grid
      double y = TOP + plotH * (1 - t / 4.0);
      s.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>",
              LEFT,
              y,
              LEFT + plotW,
              y,
              LEFT - 4,
              y + 3,
              Html.escape(unit.format(top * t / 4.0))));
    }
    for (LocalDate d : List.of(first, last)) { // the window's ends
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>",
              x(d, first, days, plotW),
              HEIGHT - 10,
              d));
    }
    for (int i = 0; i < lines.size(); i++) {
      Line l = lines.get(i);
      String color = COLORS[i % COLORS.length];
      StringBuilder path = new StringBuilder();
      StringBuilder marks = new StringBuilder();
      for (Map.Entry<LocalDate, Double> p :
          l.values().entrySet().stream().sorted(Map.Entry.comparingByKey()).toList()) {
        double px = x(p.getKey(), first, days, plotW);
        double py = y(p.getValue(), top, plotH);
        path.append(path.length() == 0 ? "M" : " L")
            .append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
        double[] interval = l.intervals().get(p.getKey());
        if (interval != null) {
          marks.append(
              String.format(
                  Locale.ROOT,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>",
                  px,
                  y(interval[0], top, plotH),
                  px,
                  y(interval[1], top, plotH),
                  color));
        }
        boolean flag = l.flagged().contains(p.getKey());
        marks.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"%s>"
                    + "<title>%s %s: %s</title></circle>",
                px,
                py,
                flag ? 5 : 3,
                color,
                flag ? " stroke=\"#d62728\" stroke-width=\"3\" class=\"flag\"" : "",
                Html.escape(l.label()),
                p.getKey(),
                Html.escape(unit.format(p.getValue()))));
      }
      s.append(
          String.format(
              Locale.ROOT,
              "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>",
              path,
              color));
      s.append(marks);
      s.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                  + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>",
              WIDTH - RIGHT + 10,
              TOP + 16 * i,
              color,
              WIDTH - RIGHT + 24,
              TOP + 16 * i + 9,
              Html.escape(shorten(l.label()))));
    }
    return s.append("</svg>").toString();
  }

  static double x(LocalDate d, LocalDate first, long days, int plotW) {
    return LEFT + plotW * (double) ChronoUnit.DAYS.between(first, d) / days;
  }

  static double y(double v, double top, int plotH) {
    return TOP + plotH * (1 - v / top);
  }

  /** The smallest of 1, 2, 2.5 or 5 times a power of ten at or above {@code max} (1 for 0). */
  static double niceCeiling(double max) {
    if (max <= 0) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(max)));
    for (double m : new double[] {1, 2, 2.5, 5, 10}) {
      if (m * power >= max * (1 - 1e-12)) {
        return m * power;
      }
    }
    return 10 * power;
  }

  /** At most 20 characters: a long label keeps its start and its end ("demo-chat…b15cf2 p95"). */
  static String shorten(String label) {
    return label.length() > 20
        ? label.substring(0, 9) + "…" + label.substring(label.length() - 10)
        : label;
  }
}
