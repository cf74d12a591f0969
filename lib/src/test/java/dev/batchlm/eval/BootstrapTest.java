package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BootstrapTest {
  @Test
  void theIntervalOfAMeanIsWhatTheCentralLimitTheoremPredicts() {
    Random r = new Random(5);
    double[] x = new double[4000];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextGaussian() * 2 + 1;
    }
    Bootstrap.Interval ci = Bootstrap.mean(x, 2000, 42);
    double mean = java.util.Arrays.stream(x).average().orElseThrow();
    double sd =
        Math.sqrt(
            java.util.Arrays.stream(x).map(v -> (v - mean) * (v - mean)).sum() / (x.length - 1));
    double half = 1.96 * sd / Math.sqrt(x.length); // normal approximation, computed independently
    assertThat(ci.estimate()).isCloseTo(mean, within(1e-12));
    assertThat(ci.low()).isCloseTo(mean - half, within(half * 0.1));
    assertThat(ci.high()).isCloseTo(mean + half, within(half * 0.1));
    // seeded: the same interval again
    assertThat(Bootstrap.mean(x, 2000, 42)).isEqualTo(ci);
    assertThat(Bootstrap.quantile(new double[] {0, 10}, 0.25)).isEqualTo(2.5);
  }

  @Test
  void countsArePoissonOneAndDependOnlyOnTheSeedAndTheId() {
    int[] histogram = new int[6];
    int draws = 0;
    for (int i = 0; i < 2000; i++) {
      for (int w : Bootstrap.counts("example-" + i, 100, 7)) {
        histogram[Math.min(w, 5)]++;
        draws++;
      }
    }
    // P(k) = e^-1 / k!: 0.3679, 0.3679, 0.1839, 0.0613, 0.0153 (±0.003 at 200,000 draws)
    double[] expected = {0.36788, 0.36788, 0.18394, 0.06131, 0.01533};
    for (int k = 0; k < expected.length; k++) {
      assertThat(histogram[k] / (double) draws)
          .as("P(%d)", k)
          .isCloseTo(expected[k], within(0.003));
    }
    assertThat(Bootstrap.counts("a", 50, 1)).isEqualTo(Bootstrap.counts("a", 50, 1));
    assertThat(Bootstrap.counts("a", 50, 1)).isNotEqualTo(Bootstrap.counts("b", 50, 1));
    assertThat(Bootstrap.counts("a", 50, 1)).isNotEqualTo(Bootstrap.counts("a", 50, 2));
  }

  @Test
  void sumsMergedFromPartitionsInAnyOrderGiveTheSameInterval() {
    Random r = new Random(8);
    double[] x = new double[300];
    for (int i = 0; i < x.length; i++) {
      x[i] = r.nextDouble();
    }
    Bootstrap.Sums whole = new Bootstrap.Sums(500, 3);
    for (int i = 0; i < x.length; i++) {
      whole.add("e" + i, x[i]);
    }
    Bootstrap.Sums odd = new Bootstrap.Sums(500, 3);
    Bootstrap.Sums even = new Bootstrap.Sums(500, 3);
    for (int i = x.length - 1; i >= 0; i--) {
      (i % 2 == 0 ? even : odd).add("e" + i, x[i]);
    }
    Bootstrap.Interval merged = new Bootstrap.Sums(500, 3).merge(odd).merge(even).mean(0);
    assertThat(merged.estimate()).isCloseTo(whole.mean(0).estimate(), within(1e-12));
    assertThat(merged.low()).isCloseTo(whole.mean(0).low(), within(1e-12));
    assertThat(merged.high()).isCloseTo(whole.mean(0).high(), within(1e-12));
  }

  @Test
  void aStatisticOfSummedVectorsIsResampledAsAWholeCorpus() {
    // score = Σ matches / Σ totals; every example's difference of matches is half its total, so
    // every resampled corpus has the same difference 0.5 between the two systems
    Bootstrap.Sums s = new Bootstrap.Sums(500, 2);
    s.add("e1", 1, 2, 0, 2);
    s.add("e2", 3, 4, 1, 4);
    Bootstrap.Interval d = s.statistic(v -> v[0] / v[1] - v[2] / v[3]);
    assertThat(d.estimate()).isCloseTo(4 / 6.0 - 1 / 6.0, within(1e-12));
    assertThat(d.low()).isCloseTo(0.5, within(1e-12));
    assertThat(d.high()).isCloseTo(0.5, within(1e-12));
    assertThat(new Bootstrap.Sums(10, 1).statistic(v -> v[0])).isEqualTo(Bootstrap.Interval.NONE);
  }
}
