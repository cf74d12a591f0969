package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LinearTest {
  /** x·Wᵀ in double precision, element by element: an independent product. */
  private static double[][] reference(float[][] x, float[][] w) {
    double[][] y = new double[x.length][w.length];
    for (int r = 0; r < x.length; r++) {
      for (int o = 0; o < w.length; o++) {
        double s = 0;
        for (int i = 0; i < w[o].length; i++) {
          s += (double) x[r][i] * w[o][i];
        }
        y[r][o] = s;
      }
    }
    return y;
  }

  private static float[][] random(Random rnd, int rows, int cols) {
    float[][] m = new float[rows][cols];
    for (float[] row : m) {
      for (int i = 0; i < cols; i++) {
        row[i] = (float) rnd.nextGaussian();
      }
    }
    return m;
  }

  @Test
  void theTestJvmHasTheVectorApi() {
    // the tests run with --add-modules=jdk.incubator.vector (as Spark 4 and bin/batchlm do), so
    // the products below go through VectorKernels, not only ND4J
    // (and the decoder's second test execution turns it off with -Dbatchlm.vector=false)
    boolean turnedOff = "false".equals(System.getProperty("batchlm.vector"));
    assertThat(Linear.vectorized()).isEqualTo(!turnedOff);
  }

  @Test
  void fewAndManyRowsMatchADoublePrecisionProduct() {
    Random rnd = new Random(7);
    // 37 and 100 inputs: not a multiple of the vector length, so the scalar tails run too;
    // 1..9 rows: one row, blocks of four with and without a remainder, and ND4J's GEMM above 8
    for (int in : new int[] {37, 100}) {
      for (int rows = 1; rows <= Linear.MAX_VECTOR_ROWS + 1; rows++) {
        float[][] x = random(rnd, rows, in);
        float[][] w = random(rnd, 131, in);
        double[][] expected = reference(x, w);
        float[][] got =
            Scratch.run(
                "linear-test",
                () ->
                    Linear.apply(Nd4j.createFromArray(x), Nd4j.createFromArray(w)).toFloatMatrix());
        for (int r = 0; r < rows; r++) {
          for (int o = 0; o < w.length; o++) {
            assertThat((double) got[r][o])
                .as("rows %d, in %d, [%d, %d]", rows, in, r, o)
                .isCloseTo(expected[r][o], org.assertj.core.data.Offset.offset(1e-4));
          }
        }
      }
    }
  }

  @Test
  void aRowOfAnArrayAtAnOffsetIsReadFromItsOwnElements() {
    Random rnd = new Random(3);
    float[][] x = random(rnd, 3, 40);
    float[][] w = random(rnd, 20, 40);
    INDArray whole = Nd4j.createFromArray(x);
    // a row view is left to ND4J; its dense copy (offset 0) to the Vector API: the same numbers
    INDArray view = whole.getRow(2, true);
    float[] viaNd4j = Linear.apply(view, Nd4j.createFromArray(w)).toFloatVector();
    float[] viaVector = Linear.apply(view.dup('c'), Nd4j.createFromArray(w)).toFloatVector();
    double[] expected = reference(new float[][] {x[2]}, w)[0];
    for (int o = 0; o < w.length; o++) {
      assertThat((double) viaNd4j[o])
          .isCloseTo(expected[o], org.assertj.core.data.Offset.offset(1e-4));
      assertThat((double) viaVector[o])
          .isCloseTo(expected[o], org.assertj.core.data.Offset.offset(1e-4));
    }
  }

  @Test
  void mismatchedShapesAreNamed() {
    INDArray x = Nd4j.create(DataType.FLOAT, 1, 5);
    INDArray w = Nd4j.create(DataType.FLOAT, 3, 4);
    assertThatThrownBy(() -> VectorKernels.multiply(x, w, Nd4j.create(DataType.FLOAT, 1, 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[1, 5]")
        .hasMessageContaining("[3, 4]");
  }
}
