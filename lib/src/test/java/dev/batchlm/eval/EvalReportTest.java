package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report opens in a real browser: headless Chromium (Debian's package; .ci/run installs it)
 * renders it to a PNG, and the bars of the chart are there in their colour.
 */
class EvalReportTest {
  @TempDir Path tmp;

  static String html() {
    List<Summaries.Summary> s =
        List.of(
            new Summaries.Summary(
                "answer", "m", "f1", "all", 40, 45, 0.62, 0.55, 0.69, 40, 0.60, 0.02, -0.01, 0.05),
            new Summaries.Summary(
                "answer",
                "m",
                "exact_match",
                "all",
                40,
                45,
                0.35,
                0.25,
                0.45,
                40,
                0.30,
                0.05,
                0.0,
                0.1),
            new Summaries.Summary(
                "retrieval",
                "bm25",
                "nDCG@10",
                "all",
                45,
                45,
                0.93,
                0.88,
                0.97,
                0,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN));
    return EvalReport.html(
        "run-1",
        "2026-11-27",
        "run-0",
        s,
        Map.of("answer_expected", 45L, "answer_without_output", 5L),
        List.of("f1:0.02", "nDCG@10>=0.9"),
        List.of("f1 (answer, m) dropped by 0.03 <x>"),
        List.of(
            new EvalReport.Example(
                "q7", "m", "f1", 0.0, "When does it open?", "I don't know <b>", List.of("At 9."))));
  }

  @Test
  void isOneSelfContainedEscapedPage() {
    String h = html();
    assertThat(h).startsWith("<!DOCTYPE html>").contains("<svg");
    assertThat(h).doesNotContain("<script").doesNotContain("src=").doesNotContain("href=");
    assertThat(h).contains("dropped by 0.03 &lt;x&gt;").contains("I don't know &lt;b&gt;");
    assertThat(h).contains("When does it open?"); // the worst answers show their question
    assertThat(h).contains("answer_without_output");
  }

  static Summaries.Summary retrieval(String method, String metric, double mean) {
    return new Summaries.Summary(
        "retrieval",
        method,
        metric,
        "all",
        45,
        45,
        mean,
        mean - 0.05,
        mean + 0.05,
        0,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Double.NaN);
  }

  @Test
  void readsAsAnAnalystWouldForwardIt() {
    List<Summaries.Summary> s =
        List.of(
            retrieval("vector", "P@10", 0.1),
            retrieval("bm25", "P@10", 0.2),
            retrieval("bm25", "P@3", 0.3),
            retrieval("vector", "P@3", 0.25),
            retrieval("bm25", "P@1", 0.5),
            retrieval("vector", "P@1", 0.4));
    String h = EvalReport.html("r", "2026-11-27", "", s, Map.of(), List.of(), List.of(), List.of());
    // cutoffs in numeric order, not as text (P@1, P@10, P@3)
    assertThat(h.indexOf(">P@1<")).isLessThan(h.indexOf(">P@3<"));
    assertThat(h.indexOf(">P@3<")).isLessThan(h.indexOf(">P@10<"));
    // the methods side by side in one table, the better mean in bold
    assertThat(h)
        .contains("Retrieval: methods side by side")
        .contains("<th>metric</th><th>bm25</th><th>vector</th>")
        .contains(
            "<td class=\"l\">P@1</td><td><b>0.5000</b> [0.4500, 0.5500]</td>"
                + "<td>0.4000 [0.3500, 0.4500]</td>");
    // the gate says which: none configured, all passed, or which failed
    assertThat(h).contains("No gate checks configured");
    assertThat(
            EvalReport.html("r", "d", "", s, Map.of(), List.of("P@1>=0.3"), List.of(), List.of()))
        .contains("All 1 check passed: P@1&gt;=0.3.");
    assertThat(html()).contains("1 of 2 checks failed (f1:0.02, nDCG@10&gt;=0.9)");
  }

  @Test
  void rendersInHeadlessChromiumWithItsCharts() throws Exception {
    Path chromium = Path.of("/usr/bin/chromium");
    assumeTrue(Files.isExecutable(chromium), "Debian's chromium is not installed");
    Path page = Files.writeString(tmp.resolve("report.html"), html());
    Path png = tmp.resolve("report.png");
    Process p =
        new ProcessBuilder(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=1000,1400",
                "--screenshot=" + png,
                page.toUri().toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("chromium.log").toFile())
            .start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    assertThat(png).exists();
    BufferedImage img = ImageIO.read(png.toFile());
    int bars = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        if ((img.getRGB(x, y) & 0xFFFFFF) == 0x4e79a7) {
          bars++;
        }
      }
    }
    // three bars of 18 px: 0.62, 0.35 and 0.93 of 420 px
    assertThat(bars)
        .as("pixels of the chart's bars")
        .isGreaterThan(18 * 420 * (62 + 35 + 93) / 100 / 2);
  }
}
