package dev.batchlm.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.monitor.LineChart.Line;
import dev.batchlm.monitor.MonitoringReport.Flagged;
import dev.batchlm.monitor.MonitoringReport.NightRun;
import dev.batchlm.monitor.MonitoringReport.Section;
import dev.batchlm.monitor.MonitoringReport.Window;
import dev.batchlm.monitor.Trend.Unit;
import dev.batchlm.monitor.Trend.Worse;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MonitoringReportTest {
  static final LocalDate NIGHT = LocalDate.of(2026, 11, 27);
  static final Window WINDOW = new Window(NIGHT, 30, 14, 3, 0.5);

  /** Nights before NIGHT at {@code before}, then {@code last} on NIGHT (or none when null). */
  static Line line(String label, double before, Double last) {
    Map<LocalDate, Double> values = new TreeMap<>();
    for (int i = 1; i <= 5; i++) {
      values.put(NIGHT.minusDays(i), before);
    }
    if (last != null) {
      values.put(NIGHT, last);
    }
    return new Line(label, values);
  }

  static Panel latency(Line... lines) {
    return new Panel("latency", "Latency <p95>", "latency", Unit.MILLIS, Worse.UP, List.of(lines));
  }

  @Test
  void aPanelFlagsOnlyTheSeriesThatMovedOnTheNight() {
    Panel p =
        latency(
            line("gpt p95", 100, 400.0), // flagged: 4 × its median, 300 ms more
            line("claude p95", 100, 120.0), // 20%: within the threshold
            line("old p95", 100, null)); // no value on the night: not flagged for an older one
    List<Trend.Flag> flags = p.flags(NIGHT, 14, 3, 0.5);
    assertThat(flags)
        .extracting(Trend.Flag::message)
        .containsExactly("latency (gpt p95) 400 ms vs 100 ms median of 5 nights");
    // the flagged line's last point is ringed, the others' are not
    String svg = p.svg(WINDOW.first(), NIGHT, flags);
    assertThat(svg.split("class=\"flag\"", -1)).hasSize(2);
    assertThat(svg).contains("<title>gpt p95 2026-11-27: 400 ms</title></circle>");
  }

  @Test
  void thePageLeadsWithTheFlagsLinkedToTheirCharts() {
    Panel p = latency(line("gpt p95", 100, 400.0));
    List<Flagged> flags =
        p.flags(NIGHT, 14, 3, 0.5).stream().map(f -> new Flagged(p.name(), f)).toList();
    String html =
        MonitoringReport.html(
            WINDOW,
            flags,
            List.of(new NightRun("infer", "r1", "failed", "2026-11-27 02:00:00", 5000L, "x < y")),
            List.of(
                new Section("Inference", "none", List.of(p)),
                new Section("Evaluation", "No eval run in these nights.", List.of())));
    assertThat(html.indexOf("1 flag<")).isLessThan(html.indexOf("data-chart"));
    assertThat(html)
        .contains("<a href=\"#chart-latency\">latency (gpt p95) 400 ms vs 100 ms median of 5")
        .contains("<figure id=\"chart-latency\"><figcaption>Latency &lt;p95&gt;</figcaption>")
        .contains("<td class=\"bad\">failed</td>")
        .contains("<td>5.0 s</td><td>x &lt; y</td>")
        .contains("<p class=\"empty\">No eval run in these nights.</p>")
        .contains("30 nights, 2026-10-29 to 2026-11-27");
  }

  @Test
  void aCalmNightSaysSo() {
    String html =
        MonitoringReport.html(
            WINDOW, List.of(), List.of(), List.of(new Section("Jobs", "none", List.of())));
    assertThat(html).contains("<h2>No flags</h2>").contains("No job ran for this night");
  }

  @Test
  void anchorsAreSafeIds() {
    assertThat(MonitoringReport.anchor("eval-nDCG@10")).isEqualTo("chart-eval-nDCG_10");
  }
}
