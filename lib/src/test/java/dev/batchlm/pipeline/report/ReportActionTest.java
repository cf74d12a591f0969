package dev.batchlm.pipeline.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.monitor.LineChart;
import dev.batchlm.monitor.MonitoringReport;
import dev.batchlm.monitor.Panel;
import dev.batchlm.testing.LocalSpark;
import dev.batchlm.testing.ReportHistory;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report over eight nights of {@link ReportHistory} (400 requests a night) whose last night has
 * 5% errors instead of 1%: the flags, the values charted and the page, against hand values.
 */
class ReportActionTest {
  static final LocalDate FIRST = LocalDate.of(2026, 11, 20);
  static final LocalDate LAST = FIRST.plusDays(7);

  static final MonitoringReport.Window WINDOW = new MonitoringReport.Window(LAST, 30, 14, 3, 0.5);

  @TempDir static Path tmp;
  static ReportAction.Result report;

  @BeforeAll
  static void eightNights() {
    SparkSession spark = LocalSpark.session();
    ReportHistory.write(spark, tmp.resolve("out"), FIRST, 8, 400, 5);
    report = ReportAction.run(spark, config(Map.of("report.alert", "true")));
  }

  static BatchConfig config(Map<String, String> more) {
    Map<String, String> pairs = new LinkedHashMap<>(more);
    pairs.put("output.root", "\"" + tmp.resolve("out") + "\"");
    pairs.put("run.date", LAST.toString());
    return BatchConfig.load(List.of(BatchConfig.parsePairs("test", pairs)));
  }

  @Test
  void flagsThePlantedRegressionAndNothingElse() {
    // error rate: 4 of 400 (ids 0, 100, 200, 300) on each of the 7 nights before, 20 of 400 on
    // the last; the same errors are HTTP 503s. Spend, latency, cache hits, eval means, losses and
    // durations move less than the threshold or the unit's least change.
    assertThat(report.flags())
        .containsExactlyInAnyOrder(
            "error rate (classify@abcdef01) 5.0% vs 1.0% median of 7 nights",
            "errors (server (5xx)) 20 vs 4 median of 7 nights");
    assertThat(report.alert()).isTrue();
    assertThat(report.nights()).isEqualTo(8);
    assertThat(report.path()).endsWith("/out/monitoring_report/2026-11-27.html");
  }

  @Test
  void theSameValuesFlagNothingUnderAHigherThreshold() {
    var sections = report.sections();
    assertThat(ReportAction.flags(sections, WINDOW)).hasSize(2);
    var higher = new MonitoringReport.Window(LAST, 30, 14, 3, 10);
    assertThat(ReportAction.flags(sections, higher)).isEmpty();
    var tooFewNights = new MonitoringReport.Window(LAST, 30, 14, 8, 0.5);
    assertThat(ReportAction.flags(sections, tooFewNights)).isEmpty();
  }

  @Test
  void chartsTheHandWorkedValues() {
    Map<String, Double> v = values(FIRST);
    // gpt: the 200 even ids less 4 errors, each paid 0.001; claude: 200 odd ids, half of them
    // cache hits (id % 4 == 1), the rest paid 0.002
    assertThat(v.get("spend-route/gpt")).isCloseTo(0.196, within(1e-9));
    assertThat(v.get("spend-route/claude")).isCloseTo(0.200, within(1e-9));
    assertThat(v.get("cache-hit-rate/claude")).isEqualTo(0.5);
    assertThat(v.get("error-rate/classify@abcdef01")).isEqualTo(0.01);
    assertThat(v.get("tokens/input")).isEqualTo(40_000.0);
    // claude's 100 calls are the ids with id % 4 == 3, whose id % 10 runs evenly over 1, 3, 5, 7,
    // 9: 20 calls each of 110 ... 190 ms; the median (positions 49 and 50 of 0..99) is 150
    assertThat(v.get("latency/claude p50")).isEqualTo(150.0);
    assertThat(v.get("quarantine/ingest: encrypted")).isEqualTo(2.0);
    assertThat(v.get("ft-funnel/2. filter")).isEqualTo(80.0);
    assertThat(v.get("lora-loss/support training")).isCloseTo(1.4, within(1e-12)); // (1.5+1.3)/2
    assertThat(v.get("lora-loss/support validation")).isEqualTo(1.6);
    assertThat(v.get("durations/ingest")).isEqualTo(20.0);
    // night 3 has two eval runs: the later one's mean, 0.62, not the earlier's 0.10
    assertThat(values(FIRST.plusDays(2)).get("eval-f1/gpt")).isCloseTo(0.62, within(1e-12));
  }

  /** Every chart's value on {@code night} by chart name and series, as the report has them. */
  static Map<String, Double> values(LocalDate night) {
    Map<String, Double> out = new TreeMap<>();
    for (MonitoringReport.Section s : report.sections()) {
      for (Panel p : s.panels()) {
        for (LineChart.Line l : p.lines()) {
          if (l.values().containsKey(night)) {
            out.put(p.name() + "/" + l.label(), l.values().get(night));
          }
        }
      }
    }
    return out;
  }

  @Test
  void thePageHasItsChartsTheFlagsAndTheNightsRuns() throws Exception {
    String html = Files.readString(Path.of(report.path()));
    assertThat(chartNames(html))
        .containsExactly(
            "spend-route",
            "spend-prompt",
            "cache-hit-rate",
            "error-rate",
            "errors-by-class",
            "latency",
            "tokens",
            "invalid-rate",
            "eval-f1",
            "ft-funnel",
            "lora-loss",
            "quarantine",
            "durations");
    assertThat(html)
        .contains("<h2>2 flags</h2>")
        .contains("<a href=\"#chart-error-rate\">error rate (classify@abcdef01) 5.0% vs 1.0%")
        .contains("<td class=\"bad\">killed</td>")
        .doesNotContain("<script", "src=", "url(", "@import", "href=\"http");
    // the flagged points are ringed: the error rate's last night, and the 503s'
    assertThat(html.split("class=\"flag\"", -1)).hasSize(3);
  }

  static List<String> chartNames(String html) {
    Matcher m = Pattern.compile("data-chart=\"([^\"]+)\"").matcher(html);
    List<String> names = new java.util.ArrayList<>();
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  @Test
  void rendersInHeadlessChromiumWithItsChartsAndTheFlagShown() throws Exception {
    Path chromium = Path.of("/usr/bin/chromium");
    assumeTrue(Files.isExecutable(chromium), "Debian's chromium is not installed");
    // the DOM the browser built from the page: every chart, by the name in its data
    String dom = chromium(chromium, "--dump-dom", Path.of(report.path()).toUri().toString());
    assertThat(chartNames(dom)).isEqualTo(chartNames(Files.readString(Path.of(report.path()))));
    assertThat(chartNames(dom)).hasSize(13);
    // the page as drawn: the flags' pink box at its top, red rings around the flagged points
    Path png = tmp.resolve("report.png");
    chromium(
        chromium,
        "--hide-scrollbars",
        "--window-size=1400,2400",
        "--screenshot=" + png,
        Path.of(report.path()).toUri().toString());
    BufferedImage img = ImageIO.read(png.toFile());
    int flagBox = 0;
    int rings = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        if (rgb == 0xfdecea && y < 400) {
          flagBox++;
        } else if (rgb == 0xd62728 && y > 400) {
          rings++;
        }
      }
    }
    assertThat(flagBox).as("pixels of the flag box").isGreaterThan(20_000);
    assertThat(rings).as("pixels of the flagged points' rings").isGreaterThan(40);
  }

  /** Headless Chromium's standard output for these arguments. */
  static String chromium(Path chromium, String... args) throws Exception {
    List<String> command =
        new java.util.ArrayList<>(
            List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu"));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(tmp, "chromium", ".out");
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(tmp.resolve("chromium.log").toFile())
            .start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    return Files.readString(out);
  }
}
