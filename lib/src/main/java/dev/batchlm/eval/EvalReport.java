package dev.batchlm.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The eval run as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched):
 * gate results, coverage, per system a bar chart of its metrics with 95% intervals (and the
 * baseline's mean as a tick), the per-slice table, and the worst-scoring answers with their
 * references.
 */
public final class EvalReport {
  private EvalReport() {}

  /** An answer shown among the worst: its score on the report's first answer metric. */
  public record Example(
      String id,
      String system,
      String metric,
      double value,
      String question,
      String output,
      List<String> references) {}

  /**
   * Metrics in reading order: by name, then by cutoff as a number ({@code P@1, P@3, P@10}), so that
   * a family's rows stand together.
   */
  static final Comparator<String> METRIC_ORDER =
      Comparator.comparing(
              (String m) -> m.contains("@") ? m.substring(0, m.indexOf('@')) : m,
              String.CASE_INSENSITIVE_ORDER)
          .thenComparingInt(
              m -> m.contains("@") ? Integer.parseInt(m.substring(m.indexOf('@') + 1)) : 0);

  public static String html(
      String runId,
      String runDate,
      String baselineRunId,
      List<Summaries.Summary> summaries,
      Map<String, Long> coverage,
      List<String> gateChecks,
      List<String> gateFailures,
      List<Example> worst) {
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>batchlm eval ")
        .append(esc(runId))
        .append("</title><style>")
        .append("body{font-family:sans-serif;margin:2em;color:#222}")
        .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;")
        .append("padding:3px 8px;text-align:right}th{background:#eee}td.l{text-align:left}")
        .append(".fail{color:#b00020;font-weight:bold}.pass{color:#1b5e20;font-weight:bold}")
        .append("pre{white-space:pre-wrap;max-width:60em;margin:0}")
        .append("</style></head><body>");
    h.append("<h1>Evaluation ").append(esc(runId)).append("</h1>");
    h.append("<p>Run date ").append(esc(runDate));
    h.append(baselineRunId.isEmpty() ? "; no baseline" : "; baseline " + esc(baselineRunId));
    h.append(". Intervals are seeded bootstrap 95% intervals.</p>");
    h.append("<h2>Gate</h2>");
    if (gateChecks.isEmpty()) {
      h.append("<p>No gate checks configured (eval.gate).</p>");
    } else if (gateFailures.isEmpty()) {
      h.append("<p class=\"pass\">All ")
          .append(gateChecks.size())
          .append(gateChecks.size() == 1 ? " check" : " checks")
          .append(" passed: ")
          .append(esc(String.join(", ", gateChecks)))
          .append(".</p>");
    } else {
      h.append("<p class=\"fail\">")
          .append(gateFailures.size())
          .append(" of ")
          .append(gateChecks.size())
          .append(" checks failed (")
          .append(esc(String.join(", ", gateChecks)))
          .append("):</p><ul>");
      gateFailures.forEach(f -> h.append("<li class=\"fail\">").append(esc(f)).append("</li>"));
      h.append("</ul>");
    }
    h.append("<h2>Coverage</h2><table>");
    coverage.forEach(
        (k, v) ->
            h.append("<tr><td class=\"l\">")
                .append(esc(k))
                .append("</td><td>")
                .append(v)
                .append("</td></tr>"));
    h.append("</table>");

    List<Summaries.Summary> ordered = new ArrayList<>(summaries);
    ordered.sort(
        Comparator.comparing(Summaries.Summary::kind)
            .thenComparing(Summaries.Summary::system)
            .thenComparing(Summaries.Summary::metric, METRIC_ORDER)
            .thenComparing(s -> s.slice().equals("all") ? "" : s.slice()));
    List<Summaries.Summary> retrieval =
        ordered.stream().filter(s -> s.kind().equals("retrieval")).toList();
    if (!retrieval.isEmpty()) {
      h.append(sideBySide("Retrieval: methods side by side", retrieval));
    }
    Map<String, List<Summaries.Summary>> bySystem = new LinkedHashMap<>();
    for (Summaries.Summary s : ordered) {
      bySystem.computeIfAbsent(s.kind() + " — " + s.system(), k -> new ArrayList<>()).add(s);
    }
    for (Map.Entry<String, List<Summaries.Summary>> e : bySystem.entrySet()) {
      h.append("<h2>").append(esc(e.getKey())).append("</h2>");
      List<Summaries.Summary> overall =
          e.getValue().stream().filter(s -> s.slice().equals("all")).toList();
      if (!overall.isEmpty() && !overall.get(0).kind().equals("usage")) { // usage is not 0–1
        h.append(chart(overall));
      }
      h.append("<table><tr><th>metric</th><th>slice</th><th>n</th><th>expected</th><th>mean</th>")
          .append(
              "<th>95% CI</th><th>paired</th><th>baseline</th><th>change</th><th>95% CI of change</th></tr>");
      for (Summaries.Summary s : e.getValue()) {
        h.append("<tr><td class=\"l\">")
            .append(esc(s.metric()))
            .append("</td><td class=\"l\">")
            .append(esc(s.slice()))
            .append("</td><td>")
            .append(s.n())
            .append("</td><td>")
            .append(s.expected())
            .append("</td><td>")
            .append(num(s.mean()))
            .append("</td><td>[")
            .append(num(s.low()))
            .append(", ")
            .append(num(s.high()))
            .append("]</td><td>")
            .append(s.paired())
            .append("</td><td>")
            .append(num(s.baselineMean()))
            .append("</td><td>")
            .append(num(s.delta()))
            .append("</td><td>")
            .append(
                Double.isNaN(s.delta())
                    ? ""
                    : "[" + num(s.deltaLow()) + ", " + num(s.deltaHigh()) + "]")
            .append("</td></tr>");
      }
      h.append("</table>");
    }
    if (!worst.isEmpty()) {
      h.append("<h2>Worst answers</h2><p>Lowest ")
          .append(esc(worst.get(0).metric()))
          .append(" first; ties broken by the answer's mean over all answer metrics.</p>")
          .append("<table><tr><th>id</th><th>system</th><th>score</th>")
          .append("<th>question</th><th>answer</th><th>references</th></tr>");
      for (Example x : worst) {
        h.append("<tr><td class=\"l\">")
            .append(esc(x.id()))
            .append("</td><td class=\"l\">")
            .append(esc(x.system()))
            .append("</td><td>")
            .append(esc(x.metric()))
            .append(" ")
            .append(num(x.value()))
            .append("</td><td class=\"l\"><pre>")
            .append(esc(cut(x.question())))
            .append("</pre></td><td class=\"l\"><pre>")
            .append(esc(cut(x.output())))
            .append("</pre></td><td class=\"l\"><pre>")
            .append(esc(cut(String.join("\n", x.references()))))
            .append("</pre></td></tr>");
      }
      h.append("</table>");
    }
    return h.append("</body></html>\n").toString();
  }

  /**
   * One row per metric and one column per system (retrieval method) over all examples: mean and
   * interval, the best mean of each row in bold.
   */
  static String sideBySide(String title, List<Summaries.Summary> rows) {
    List<String> systems = rows.stream().map(Summaries.Summary::system).distinct().toList();
    Map<String, Map<String, Summaries.Summary>> byMetric = new java.util.TreeMap<>(METRIC_ORDER);
    rows.stream()
        .filter(s -> s.slice().equals("all"))
        .forEach(
            s ->
                byMetric
                    .computeIfAbsent(s.metric(), k -> new LinkedHashMap<>())
                    .put(s.system(), s));
    StringBuilder h =
        new StringBuilder("<h2>").append(esc(title)).append("</h2><table><tr><th>metric</th>");
    systems.forEach(s -> h.append("<th>").append(esc(s)).append("</th>"));
    h.append("</tr>");
    byMetric.forEach(
        (metric, cells) -> {
          double best =
              cells.values().stream().mapToDouble(Summaries.Summary::mean).max().orElse(Double.NaN);
          h.append("<tr><td class=\"l\">").append(esc(metric)).append("</td>");
          for (String system : systems) {
            Summaries.Summary s = cells.get(system);
            h.append("<td>");
            if (s != null) {
              boolean top = s.mean() == best && cells.size() > 1;
              h.append(top ? "<b>" : "")
                  .append(num(s.mean()))
                  .append(top ? "</b>" : "")
                  .append(" [")
                  .append(num(s.low()))
                  .append(", ")
                  .append(num(s.high()))
                  .append("]");
            }
            h.append("</td>");
          }
          h.append("</tr>");
        });
    return h.append("</table>").toString();
  }

  /** Horizontal bars on a 0–1 axis with interval whiskers; a tick at the baseline's mean. */
  static String chart(List<Summaries.Summary> rows) {
    int bar = 18;
    int labelW = 110;
    int plotW = 420;
    int height = rows.size() * (bar + 8) + 30;
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">",
            labelW + plotW + 70,
            height));
    for (int t = 0; t <= 4; t++) {
      double x = labelW + plotW * t / 4.0;
      s.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                  + "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%.2f</text>",
              x,
              x,
              height - 18,
              x,
              height - 5,
              t / 4.0));
    }
    for (int i = 0; i < rows.size(); i++) {
      Summaries.Summary r = rows.get(i);
      double y = 4 + i * (bar + 8);
      double mean = clamp(r.mean());
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%s</text>",
              labelW - 6,
              y + bar - 5,
              esc(r.metric())));
      s.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"#4e79a7\"/>",
              labelW,
              y,
              plotW * mean,
              bar));
      if (!Double.isNaN(r.low())) {
        double x1 = labelW + plotW * clamp(r.low());
        double x2 = labelW + plotW * clamp(r.high());
        double yc = y + bar / 2.0;
        s.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" stroke-width=\"1.5\"/>"
                    + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>"
                    + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\"/>",
                x1,
                yc,
                x2,
                yc,
                x1,
                y + 3,
                x1,
                y + bar - 3,
                x2,
                y + 3,
                x2,
                y + bar - 3));
      }
      if (!Double.isNaN(r.baselineMean())) {
        double xb = labelW + plotW * clamp(r.baselineMean());
        s.append(
            String.format(
                Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e15759\" stroke-width=\"3\"/>",
                xb,
                y - 2,
                xb,
                y + bar + 2));
      }
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" font-size=\"11\">%s</text>",
              labelW + plotW + 6,
              y + bar - 5,
              num(r.mean())));
    }
    return s.append("</svg>").toString();
  }

  private static double clamp(double v) {
    return Double.isNaN(v) ? 0 : Math.max(0, Math.min(1, v));
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String cut(String s) {
    return s == null ? "" : s.length() > 400 ? s.substring(0, 400) + "…" : s;
  }

  static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
