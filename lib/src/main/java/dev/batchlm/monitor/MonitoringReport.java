package dev.batchlm.monitor;

import static dev.batchlm.monitor.Html.escape;

import java.time.LocalDate;
import java.util.List;
import java.util.Locale;

/**
 * The nightly monitoring report as one self-contained HTML page (inline CSS and SVG, no script,
 * nothing fetched, so it opens from disk or any static file server): the night's flags first, then
 * its runs, then a chart per metric over the window.
 */
public final class MonitoringReport {
  private MonitoringReport() {}

  /** What the report covers and how it flags. */
  public record Window(
      LocalDate night, int days, int baselineNights, int minNights, double threshold) {
    public LocalDate first() {
      return night.minusDays(days - 1L);
    }
  }

  /** A group of charts; {@code whenEmpty} says why a group has none. */
  public record Section(String title, String whenEmpty, List<Panel> panels) {}

  /** A flag and the chart it is on. */
  public record Flagged(String chart, Trend.Flag flag) {}

  /** A job run of the night, as the {@code runs} table has it. */
  public record NightRun(
      String job, String runId, String status, String startedAt, Long durationMs, String error) {}

  public static String html(
      Window window, List<Flagged> flags, List<NightRun> runs, List<Section> sections) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>batchlm report ")
        .append(window.night())
        .append("</title><style>")
        .append("body{font-family:sans-serif;margin:2em;color:#222;max-width:1400px}")
        .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;")
        .append("padding:3px 8px;text-align:left}th{background:#eee}")
        .append(".flags{background:#fdecea;border:2px solid #d62728;padding:.5em 1em}")
        .append(".calm{background:#edf7ed;border:2px solid #59a14f;padding:.5em 1em}")
        .append(".bad{color:#b00020;font-weight:bold}.empty{color:#777}")
        .append("figure{display:inline-block;margin:0 1em 1em 0;vertical-align:top}")
        .append("figcaption{font-weight:bold;margin-bottom:4px}")
        .append("</style></head><body>");
    h.append("<h1>batchlm nightly report, ").append(window.night()).append("</h1>");
    h.append(
        String.format(
            Locale.ROOT,
            "<p>%d nights, %s to %s. A value of %s is flagged when it is worse than the median of"
                + " up to %d nights before it by more than %.0f%% of that median (report.threshold)"
                + " and by more than the least change of its unit; a series needs %d earlier"
                + " nights. Hover a point for its value.</p>",
            window.days(),
            window.first(),
            window.night(),
            window.night(),
            window.baselineNights(),
            100 * window.threshold(),
            window.minNights()));
    flags(h, window, flags);
    runs(h, window, runs);
    for (Section s : sections) {
      h.append("<h2>").append(escape(s.title())).append("</h2>");
      List<Panel> drawn = s.panels().stream().filter(p -> !p.isEmpty()).toList();
      if (drawn.isEmpty()) {
        h.append("<p class=\"empty\">").append(escape(s.whenEmpty())).append("</p>");
      }
      for (Panel p : drawn) {
        List<Trend.Flag> own =
            flags.stream().filter(f -> f.chart().equals(p.name())).map(Flagged::flag).toList();
        h.append("<figure id=\"")
            .append(anchor(p.name()))
            .append("\"><figcaption>")
            .append(escape(p.title()))
            .append("</figcaption>")
            .append(p.svg(window.first(), window.night(), own))
            .append("</figure>");
      }
    }
    return h.append("</body></html>").toString();
  }

  private static void flags(StringBuilder h, Window window, List<Flagged> flags) {
    if (flags.isEmpty()) {
      h.append("<div class=\"calm\" id=\"flags\"><h2>No flags</h2><p>No value of ")
          .append(window.night())
          .append(" moved beyond the threshold against its trailing median.</p></div>");
      return;
    }
    h.append("<div class=\"flags\" id=\"flags\"><h2>")
        .append(flags.size())
        .append(flags.size() == 1 ? " flag" : " flags")
        .append("</h2><ul>");
    for (Flagged f : flags) {
      h.append("<li><a href=\"#")
          .append(anchor(f.chart()))
          .append("\">")
          .append(escape(f.flag().message()))
          .append("</a></li>");
    }
    h.append("</ul></div>");
  }

  private static void runs(StringBuilder h, Window window, List<NightRun> runs) {
    h.append("<h2>Runs of ").append(window.night()).append("</h2>");
    if (runs.isEmpty()) {
      h.append("<p class=\"empty\">No job ran for this night (the runs table has no row).</p>");
      return;
    }
    h.append("<table><tr><th>job</th><th>run</th><th>status</th><th>started</th>")
        .append("<th>duration</th><th>error</th></tr>");
    for (NightRun r : runs) {
      boolean bad = List.of("failed", "killed", "incomplete").contains(r.status());
      h.append("<tr><td>")
          .append(escape(r.job()))
          .append("</td><td>")
          .append(escape(r.runId()))
          .append("</td><td")
          .append(bad ? " class=\"bad\"" : "")
          .append(">")
          .append(escape(r.status()))
          .append("</td><td>")
          .append(escape(r.startedAt()))
          .append("</td><td>")
          .append(
              r.durationMs() == null
                  ? ""
                  : String.format(Locale.ROOT, "%.1f s", r.durationMs() / 1000.0))
          .append("</td><td>")
          .append(r.error() == null ? "" : escape(r.error()))
          .append("</td></tr>");
    }
    h.append("</table>");
  }

  /** An element id from a chart name: letters, digits, '-' and '_' kept, the rest '_'. */
  static String anchor(String chart) {
    return "chart-" + chart.replaceAll("[^A-Za-z0-9_-]", "_");
  }
}
