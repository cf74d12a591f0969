package dev.batchlm.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.monitor.LineChart.Line;
import dev.batchlm.monitor.Trend.Unit;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class LineChartTest {
  static final LocalDate D1 = LocalDate.of(2026, 11, 1);

  static Document parse(String svg) throws Exception {
    return DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  static List<Element> all(Document d, String tag) {
    NodeList nodes = d.getElementsByTagName(tag);
    List<Element> out = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      out.add((Element) nodes.item(i));
    }
    return out;
  }

  static double num(Element e, String attribute) {
    return Double.parseDouble(e.getAttribute(attribute));
  }

  @Test
  void placesPointsByDayAndValueFromZero() throws Exception {
    // nights 1, 2 and 5 (3 and 4 missed); values 0, 0.5 and 1 of a 0–1 axis (nice ceiling of 1)
    Line rate =
        new Line("route <a&b>", Map.of(D1, 0.0, D1.plusDays(1), 0.5, D1.plusDays(4), 1.0))
            .flagging(Set.of(D1.plusDays(4)));
    String svg = LineChart.svg("error rate", Unit.RATE, D1, D1.plusDays(4), List.of(rate));
    Document d = parse(svg); // well-formed: the label's < and & are escaped
    assertThat(d.getDocumentElement().getAttribute("data-chart")).isEqualTo("error rate");
    List<Element> points = all(d, "circle");
    assertThat(points).hasSize(3);
    int plotW = LineChart.WIDTH - LineChart.LEFT - LineChart.RIGHT;
    int plotH = LineChart.HEIGHT - LineChart.TOP - LineChart.BOTTOM;
    // x: day 0, 1 and 4 of 4 across the plot; y: 0 at the bottom, 1 at the top
    assertThat(points.stream().map(p -> num(p, "cx")).toList())
        .containsExactly(
            (double) LineChart.LEFT, LineChart.LEFT + plotW / 4.0, (double) LineChart.LEFT + plotW);
    assertThat(points.stream().map(p -> num(p, "cy")).toList())
        .containsExactly(
            (double) LineChart.TOP + plotH, LineChart.TOP + plotH / 2.0, (double) LineChart.TOP);
    assertThat(points.get(2).getAttribute("class")).isEqualTo("flag");
    assertThat(points.get(0).getAttribute("class")).isEmpty();
    assertThat(points.get(1).getTextContent()).isEqualTo("route <a&b> 2026-11-02: 50.0%");
    assertThat(svg).contains(">100.0%<").contains(">0.0%<"); // the axis' ends
  }

  @Test
  void intervalsAreWhiskersOnTheSameScale() throws Exception {
    Line mean = new Line("nDCG@10", Map.of(D1, 0.5), Map.of(D1, new double[] {0.25, 0.75}));
    Document d = parse(LineChart.svg("ndcg", Unit.SCORE, D1, D1, List.of(mean)));
    Element whisker =
        all(d, "line").stream()
            .filter(l -> l.getAttribute("stroke").startsWith("#4e"))
            .findFirst()
            .orElseThrow();
    int plotH = LineChart.HEIGHT - LineChart.TOP - LineChart.BOTTOM;
    // the axis' top is the nice ceiling of 0.75: 1
    assertThat(num(whisker, "y1")).isEqualTo(LineChart.TOP + plotH * 0.75);
    assertThat(num(whisker, "y2")).isEqualTo(LineChart.TOP + plotH * 0.25);
  }

  @Test
  void longLegendLabelsKeepTheirStartAndEnd() {
    assertThat(LineChart.shorten("demo-chat@4041ddb15cf2 p95")).isEqualTo("demo-chat…b15cf2 p95");
    assertThat(LineChart.shorten("gpt p95")).isEqualTo("gpt p95");
  }

  @Test
  void niceCeilings() {
    assertThat(LineChart.niceCeiling(0)).isEqualTo(1);
    assertThat(LineChart.niceCeiling(0.041)).isEqualTo(0.05);
    assertThat(LineChart.niceCeiling(1.0)).isEqualTo(1.0);
    assertThat(LineChart.niceCeiling(1.2)).isEqualTo(2.0);
    assertThat(LineChart.niceCeiling(2100)).isEqualTo(2500);
    assertThat(LineChart.niceCeiling(7300)).isEqualTo(10000);
  }
}
