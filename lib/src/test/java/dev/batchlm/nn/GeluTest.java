package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GeluTest {
  /** erf by Simpson's rule on 2/√π·e^(−t²), 4,000 intervals: an independent erf, to ~1e−13. */
  private static double erf(double x) {
    int n = 4000;
    double h = x / n;
    double sum = 1 + Math.exp(-x * x);
    for (int i = 1; i < n; i++) {
      double t = i * h;
      sum += (i % 2 == 1 ? 4 : 2) * Math.exp(-t * t);
    }
    return 2 / Math.sqrt(Math.PI) * sum * h / 3;
  }

  @Test
  void matchesTheExactGeluWithinFloatRounding() {
    int n = 20_001;
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = -10f + 20f * i / (n - 1);
    }
    float[] out = v.clone();
    Gelu.apply(out, n);
    double worst = 0;
    for (int i = 0; i < n; i++) {
      double exact = 0.5 * v[i] * (1 + erf(v[i] / Math.sqrt(2)));
      // erf's error (4e-7) scaled by |x|/2, and float's rounding of the result
      worst = Math.max(worst, Math.abs(out[i] - exact) / Math.max(1, Math.abs(v[i])));
    }
    assertThat(worst).isLessThan(5e-7);
    assertThat(erf(1)).isCloseTo(0.8427007929497149, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void worksInPlaceOnAnArrayInAWorkspaceAtAnOffset() {
    float[] expected =
        Scratch.run(
            "gelu-test",
            () -> {
              INDArray before = Nd4j.rand(DataType.FLOAT, 300, 70).subi(0.5).muli(8);
              float[] values = before.dup().data().asFloat();
              Gelu.apply(values, values.length);
              INDArray x = before.dup('c');
              assertThat(Gelu.applies(x)).isTrue();
              assertThat(Gelu.applies(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3))))
                  .as("a view is left to ND4J")
                  .isFalse();
              float[] got = Gelu.applyInPlace(x).data().asFloat();
              assertThat(got).containsExactly(values);
              return got;
            });
    assertThat(expected).hasSize(300 * 70);
  }
}
