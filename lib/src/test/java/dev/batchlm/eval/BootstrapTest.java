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
  }

  @Test
  void pairedDeltaCancelsWhatTheExamplesShare() {
    Random r = new Random(6);
    double[] a = new double[500];
    double[] b = new double[500];
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextDouble() * 10; // large spread across examples
      b[i] = a[i] - 0.25;
    }
    Bootstrap.Interval d = Bootstrap.pairedDelta(a, b, 1000, 1);
    assertThat(d.estimate()).isCloseTo(0.25, within(1e-9));
    assertThat(d.low()).isCloseTo(0.25, within(1e-9));
    assertThat(d.high()).isCloseTo(0.25, within(1e-9));
    assertThat(Bootstrap.quantile(new double[] {0, 10}, 0.25)).isEqualTo(2.5);
  }
}
