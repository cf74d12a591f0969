package dev.batchlm.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The models' inner loops on the JDK's Vector API: {@code y = x·Wᵀ} for a few rows of {@code x} on
 * the arrays' own memory (each core takes a share of W's rows and reads each of them once for up to
 * four rows of {@code x} at a time), and attention's dot products and weighted sums. Loaded only
 * when the incubator module is present ({@link Linear#vectorized}).
 */
final class VectorKernels {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final ByteOrder ORDER = ByteOrder.nativeOrder();

  /** Weight rows per task: small enough to share a small matrix among the cores. */
  private static final int ROWS_PER_TASK = 64;

  private static final int CORES = Runtime.getRuntime().availableProcessors();

  private VectorKernels() {}

  /** {@code x [rows, in]}, {@code w [out, in]}, {@code y [rows, out]}: dense, row-major FP32. */
  static void multiply(INDArray x, INDArray w, INDArray y) {
    int rows = (int) x.rows();
    int in = (int) x.columns();
    int out = (int) w.rows();
    if (w.columns() != in || y.rows() != rows || y.columns() != out) {
      throw new IllegalArgumentException(
          "cannot multiply " + shape(x) + " by the transpose of " + shape(w) + " into " + shape(y));
    }
    ByteBuffer xs = bytes(x);
    ByteBuffer ws = bytes(w);
    ByteBuffer ys = bytes(y);
    // one task per core (at least ROWS_PER_TASK rows each): fewer hand-offs than small tasks
    int share = Math.max(ROWS_PER_TASK, (out + CORES - 1) / CORES);
    int tasks = (out + share - 1) / share;
    IntStream.range(0, tasks)
        .parallel()
        .forEach(
            t -> {
              int to = Math.min(out, (t + 1) * share);
              for (int o = t * share; o < to; o++) {
                int r = 0;
                for (; r + 4 <= rows; r += 4) {
                  dot4(ws, o, xs, r, in, ys, out);
                }
                for (; r < rows; r++) {
                  ys.putFloat(4 * (r * out + o), dot(ws, 4 * o * in, xs, 4 * r * in, in));
                }
              }
            });
  }

  /** Row {@code o} of W against rows {@code r .. r+3} of x, each weight read once. */
  private static void dot4(
      ByteBuffer ws, int o, ByteBuffer xs, int r, int in, ByteBuffer ys, int out) {
    int step = SPECIES.length();
    int wBase = 4 * o * in;
    int x0 = 4 * r * in;
    int x1 = x0 + 4 * in;
    int x2 = x1 + 4 * in;
    int x3 = x2 + 4 * in;
    FloatVector a0 = FloatVector.zero(SPECIES);
    FloatVector a1 = FloatVector.zero(SPECIES);
    FloatVector a2 = FloatVector.zero(SPECIES);
    FloatVector a3 = FloatVector.zero(SPECIES);
    int i = 0;
    for (; i <= in - step; i += step) {
      FloatVector wv = FloatVector.fromByteBuffer(SPECIES, ws, wBase + 4 * i, ORDER);
      a0 = wv.fma(FloatVector.fromByteBuffer(SPECIES, xs, x0 + 4 * i, ORDER), a0);
      a1 = wv.fma(FloatVector.fromByteBuffer(SPECIES, xs, x1 + 4 * i, ORDER), a1);
      a2 = wv.fma(FloatVector.fromByteBuffer(SPECIES, xs, x2 + 4 * i, ORDER), a2);
      a3 = wv.fma(FloatVector.fromByteBuffer(SPECIES, xs, x3 + 4 * i, ORDER), a3);
    }
    float s0 = a0.reduceLanes(VectorOperators.ADD);
    float s1 = a1.reduceLanes(VectorOperators.ADD);
    float s2 = a2.reduceLanes(VectorOperators.ADD);
    float s3 = a3.reduceLanes(VectorOperators.ADD);
    for (; i < in; i++) {
      float wi = ws.getFloat(wBase + 4 * i);
      s0 += wi * xs.getFloat(x0 + 4 * i);
      s1 += wi * xs.getFloat(x1 + 4 * i);
      s2 += wi * xs.getFloat(x2 + 4 * i);
      s3 += wi * xs.getFloat(x3 + 4 * i);
    }
    ys.putFloat(4 * (r * out + o), s0);
    ys.putFloat(4 * ((r + 1) * out + o), s1);
    ys.putFloat(4 * ((r + 2) * out + o), s2);
    ys.putFloat(4 * ((r + 3) * out + o), s3);
  }

  /**
   * The dot product of {@code n} floats at byte offsets {@code a} of {@code as}, {@code b} of
   * {@code bs}.
   */
  private static float dot(ByteBuffer as, int a, ByteBuffer bs, int b, int n) {
    int step = SPECIES.length();
    FloatVector acc0 = FloatVector.zero(SPECIES);
    FloatVector acc1 = FloatVector.zero(SPECIES);
    int i = 0;
    for (; i <= n - 2 * step; i += 2 * step) {
      acc0 =
          FloatVector.fromByteBuffer(SPECIES, as, a + 4 * i, ORDER)
              .fma(FloatVector.fromByteBuffer(SPECIES, bs, b + 4 * i, ORDER), acc0);
      acc1 =
          FloatVector.fromByteBuffer(SPECIES, as, a + 4 * (i + step), ORDER)
              .fma(FloatVector.fromByteBuffer(SPECIES, bs, b + 4 * (i + step), ORDER), acc1);
    }
    float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      s += as.getFloat(a + 4 * i) * bs.getFloat(b + 4 * i);
    }
    return s;
  }

  /** {@code Σ a[ai + i]·b[bi + i]} over {@code n} elements. */
  static float dot(float[] a, int ai, float[] b, int bi, int n) {
    int step = SPECIES.length();
    FloatVector acc = FloatVector.zero(SPECIES);
    int i = 0;
    for (; i <= n - step; i += step) {
      acc =
          FloatVector.fromArray(SPECIES, a, ai + i)
              .fma(FloatVector.fromArray(SPECIES, b, bi + i), acc);
    }
    float s = acc.reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      s += a[ai + i] * b[bi + i];
    }
    return s;
  }

  /** {@code y[yi + i] += w·x[xi + i]} over {@code n} elements. */
  static void axpy(float w, float[] x, int xi, float[] y, int yi, int n) {
    int step = SPECIES.length();
    int i = 0;
    for (; i <= n - step; i += step) {
      FloatVector.fromArray(SPECIES, x, xi + i)
          .fma(FloatVector.broadcast(SPECIES, w), FloatVector.fromArray(SPECIES, y, yi + i))
          .intoArray(y, yi + i);
    }
    for (; i < n; i++) {
      y[yi + i] += w * x[xi + i];
    }
  }

  /** The array's elements as bytes, from its first element on (its offset into a shared buffer). */
  private static ByteBuffer bytes(INDArray a) {
    ByteBuffer all = a.data().asNio().order(ORDER);
    int start = Math.toIntExact(a.offset() * 4);
    return all.position(start).slice().order(ORDER);
  }

  private static String shape(INDArray a) {
    return java.util.Arrays.toString(a.shape());
  }
}
