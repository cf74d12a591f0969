package dev.batchlm.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.monitor.Trend.Point;
import dev.batchlm.monitor.Trend.Unit;
import dev.batchlm.monitor.Trend.Worse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrendTest {
  static final LocalDate FIRST = LocalDate.of(2026, 11, 1);

  /** Nights from FIRST on, one value each. */
  static Trend trend(String metric, Unit unit, Worse worse, double... values) {
    List<Point> points = new ArrayList<>();
    for (int i = values.length - 1; i >= 0; i--) { // given out of order: the trend sorts them
      points.add(new Point(FIRST.plusDays(i), values[i]));
    }
    return new Trend(metric, unit, worse, points);
  }

  @Test
  void flagsALastNightWorseThanTheTrailingMedian() {
    // 14 nights around 0.3%, then 4.1%: the median of the 14 is (0.003 + 0.003) / 2
    double[] rates = new double[15];
    for (int i = 0; i < 14; i++) {
      rates[i] = i % 2 == 0 ? 0.002 : 0.004;
    }
    rates[6] = 0.003;
    rates[7] = 0.003;
    rates[14] = 0.041;
    Trend.Flag flag =
        trend("error rate", Unit.RATE, Worse.UP, rates).flag(14, 3, 0.5).orElseThrow();
    assertThat(flag.median()).isEqualTo(0.003);
    assertThat(flag.nights()).isEqualTo(14);
    assertThat(flag.night()).isEqualTo(FIRST.plusDays(14));
    assertThat(flag.message()).isEqualTo("error rate 4.1% vs 0.3% median of 14 nights");
  }

  @Test
  void theWindowIsTheNightsJustBefore() {
    // 20 nights at 100 ms then 10 at 1000 ms: the median of the last 7 before night 30 is 1000
    double[] ms = new double[31];
    java.util.Arrays.fill(ms, 0, 20, 100);
    java.util.Arrays.fill(ms, 20, 30, 1000);
    ms[30] = 1100;
    assertThat(trend("latency p95", Unit.MILLIS, Worse.UP, ms).flag(7, 3, 0.5)).isEmpty();
    assertThat(trend("latency p95", Unit.MILLIS, Worse.UP, ms).flag(30, 3, 0.5)).isPresent();
  }

  @Test
  void onlyTheWorseDirectionBeyondBothThresholdsIsFlagged() {
    assertThat(trend("cache hit rate", Unit.RATE, Worse.DOWN, 0.9, 0.9, 0.9, 0.4).flag(14, 3, 0.2))
        .map(Trend.Flag::message)
        .hasValue("cache hit rate 40.0% vs 90.0% median of 3 nights");
    assertThat(trend("cache hit rate", Unit.RATE, Worse.DOWN, 0.4, 0.4, 0.4, 0.9).flag(14, 3, 0.2))
        .isEmpty(); // better
    // from 0 to 0.1%: infinitely more than the median, but less than half a point
    assertThat(trend("error rate", Unit.RATE, Worse.UP, 0, 0, 0, 0.001).flag(14, 3, 0.5)).isEmpty();
    // 40% more spend but under the relative threshold of 50%
    assertThat(trend("spend", Unit.USD, Worse.UP, 10, 10, 10, 14).flag(14, 3, 0.5)).isEmpty();
    assertThat(trend("spend", Unit.USD, Worse.BOTH, 10, 10, 10, 4).flag(14, 3, 0.5)).isPresent();
  }

  @Test
  void tooFewNightsAreNotJudged() {
    assertThat(trend("spend", Unit.USD, Worse.UP, 1, 1, 100).flag(14, 3, 0.5)).isEmpty();
    assertThat(trend("spend", Unit.USD, Worse.UP, 1, 1, 1, 100).flag(14, 3, 0.5)).isPresent();
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(Trend.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
    assertThat(Trend.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
  }
}
