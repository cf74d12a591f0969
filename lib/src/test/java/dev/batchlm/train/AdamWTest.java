package dev.batchlm.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** AdamW, clipping and the schedules against values worked out by hand from torch's formulas. */
class AdamWTest {
  @Test
  void firstStepsAreTorchsWorkedByHand() {
    AdamW adam = new AdamW(new AdamW.Settings(0.9, 0.999, 1e-8, 0.1));
    Map<String, float[]> p = new LinkedHashMap<>(Map.of("w", new float[] {1.0f, -2.0f}));
    // step 1: m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps) ≈ lr·sign(g), after decay p·(1 −
    // lr·λ)
    adam.step(p, Map.of("w", new float[] {0.5f, -4.0f}), 0.01);
    assertThat(p.get("w")[0]).isCloseTo((float) (1.0 * (1 - 0.001) - 0.01), within(1e-6f));
    assertThat(p.get("w")[1]).isCloseTo((float) (-2.0 * (1 - 0.001) + 0.01), within(1e-6f));
    // step 2 with g = (0.5, 0): m = (0.095, -0.36), v = (0.0004995, 0.015984),
    // c1 = 0.19, c2 = 0.001999; the second element moves by lr·(−0.36/0.19)/√(0.015984/0.001999)
    double p0 = p.get("w")[0];
    double p1 = p.get("w")[1];
    adam.step(p, Map.of("w", new float[] {0.5f, 0.0f}), 0.01);
    double m0 = 0.9 * 0.05 + 0.1 * 0.5;
    double v0 = 0.999 * 0.00025 + 0.001 * 0.25;
    double m1 = 0.9 * -0.4;
    double v1 = 0.999 * 0.016;
    double c1 = 1 - 0.81;
    double c2 = 1 - 0.999 * 0.999;
    assertThat(p.get("w")[0])
        .isCloseTo(
            (float) (p0 * (1 - 0.001) - 0.01 * (m0 / c1) / (Math.sqrt(v0 / c2) + 1e-8)),
            within(1e-6f));
    assertThat(p.get("w")[1])
        .isCloseTo(
            (float) (p1 * (1 - 0.001) - 0.01 * (m1 / c1) / (Math.sqrt(v1 / c2) + 1e-8)),
            within(1e-6f));
    assertThat(adam.steps()).isEqualTo(2);
  }

  @Test
  void clipsByTheGlobalNormOfAllParameters() {
    Map<String, float[]> g = new LinkedHashMap<>();
    g.put("a", new float[] {3});
    g.put("b", new float[] {4});
    assertThat(AdamW.clipByGlobalNorm(g, 1.0)).isEqualTo(5.0);
    assertThat(g.get("a")[0]).isCloseTo(0.6f, within(1e-6f));
    assertThat(g.get("b")[0]).isCloseTo(0.8f, within(1e-6f));
    Map<String, float[]> small = new LinkedHashMap<>(Map.of("a", new float[] {0.3f}));
    AdamW.clipByGlobalNorm(small, 1.0);
    assertThat(small.get("a")[0]).isEqualTo(0.3f); // below the limit: untouched
  }

  @Test
  void schedulesAreTransformersOwn() {
    LearningRate cosine = new LearningRate(1e-3, 10, 110, "cosine");
    assertThat(cosine.at(0)).isZero(); // transformers' first warmup step has rate 0
    assertThat(cosine.at(5)).isCloseTo(5e-4, within(1e-12));
    assertThat(cosine.at(10)).isCloseTo(1e-3, within(1e-12));
    assertThat(cosine.at(60)).isCloseTo(5e-4, within(1e-12)); // half way: cos(π/2)
    assertThat(cosine.at(110)).isCloseTo(0, within(1e-12));
    LearningRate linear = new LearningRate(1e-3, 0, 100, "linear");
    assertThat(linear.at(25)).isCloseTo(7.5e-4, within(1e-12));
    assertThat(new LearningRate(1e-3, 0, 100, "constant").at(99)).isEqualTo(1e-3);
  }
}
