package dev.batchlm.nn;

import java.nio.FloatBuffer;
import java.util.stream.IntStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The decoder's work between its projections, each as one Java pass over the rows: RMSNorm, SwiGLU,
 * and attention with rotary embeddings over the KV cache. Composed from ND4J's eager ops they were
 * ~30 ops per layer at 50–100 µs each whatever their size, more than half of a batch-1 decoding
 * step (bench/RESULTS.md); here they cost what their arithmetic costs. Plain loops, but attention's
 * dot products and weighted sums on the Vector API where the JVM has it; attention runs its (row,
 * KV head) pairs on all cores. Arrays come in and go out as ND4J arrays, so the projections stay
 * ND4J's or {@link Linear}'s.
 */
final class DecoderKernels {
  private static final boolean VECTOR = Linear.vectorized();

  private DecoderKernels() {}

  /** The elements of a matrix in row-major order (a copy). */
  static float[] floats(INDArray a) {
    INDArray dense = a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
    if (!HostMemory.DIRECT) {
      return dense.data().asFloat(); // synchronized with the device
    }
    float[] out = new float[Math.toIntExact(dense.length())];
    dense.data().asNioFloat().get(Math.toIntExact(dense.offset()), out, 0, out.length);
    return out;
  }

  /** {@code [rows, cols]} of {@code values}, in the current workspace if any. */
  static INDArray matrix(float[] values, int rows, int cols) {
    if (!HostMemory.DIRECT) {
      return Nd4j.create(values, new long[] {rows, cols}, 'c');
    }
    INDArray m = Nd4j.create(DataType.FLOAT, rows, cols);
    m.data().asNioFloat().put(0, values); // one copy (Nd4j.create(float[]) puts element by element)
    return m;
  }

  /** Row-wise {@code x · rsqrt(mean(x²) + eps) · gain} of {@code x [rows, gain.length]}. */
  static INDArray rmsNorm(INDArray x, float[] gain, double eps) {
    float[] v = floats(x);
    int cols = gain.length;
    int rows = v.length / cols;
    for (int r = 0; r < rows; r++) {
      int base = r * cols;
      double squares = 0;
      for (int i = 0; i < cols; i++) {
        squares += v[base + i] * v[base + i];
      }
      float inv = (float) (1 / Math.sqrt(squares / cols + eps));
      for (int i = 0; i < cols; i++) {
        v[base + i] = v[base + i] * inv * gain[i];
      }
    }
    return matrix(v, rows, cols);
  }

  /**
   * {@code silu(gate) · up} of {@code [rows, 2f]} holding gate then up in each row: {@code [rows,
   * f]}.
   */
  static INDArray swiglu(INDArray gateUp, int f) {
    float[] v = floats(gateUp);
    int rows = v.length / (2 * f);
    float[] out = new float[rows * f];
    IntStream.range(0, rows)
        .parallel()
        .forEach(
            r -> {
              int in = r * 2 * f;
              int o = r * f;
              for (int i = 0; i < f; i++) {
                float g = v[in + i];
                out[o + i] = g / (1 + (float) Math.exp(-g)) * v[in + f + i];
              }
            });
    return matrix(out, rows, f);
  }

  /**
   * Where the new tokens of one call sit: rows of the batch, their cache slots and start positions.
   */
  record Positions(int batch, int len, int firstSlot, int[] starts) {
    int row(int b, int t) {
      return b * len + t;
    }
  }

  /** cos and sin of every new token's angles, {@code [rows][headDim / 2]} flattened. */
  static float[][] rotary(Positions p, double[] inverseFrequencies) {
    int half = inverseFrequencies.length;
    float[] cos = new float[p.batch() * p.len() * half];
    float[] sin = new float[cos.length];
    for (int b = 0; b < p.batch(); b++) {
      for (int t = 0; t < p.len(); t++) {
        int base = p.row(b, t) * half;
        for (int i = 0; i < half; i++) {
          double angle = (p.starts()[b] + t) * inverseFrequencies[i];
          cos[base + i] = (float) Math.cos(angle);
          sin[base + i] = (float) Math.sin(angle);
        }
      }
    }
    return new float[][] {cos, sin};
  }

  /**
   * Causal grouped-query attention of the new tokens: rotates their queries and keys (HF's
   * rotate-half), appends keys and values to the cache, and attends each query head to its KV
   * head's cached positions up to its own.
   *
   * @param qkv {@code [rows, (heads + 2 kvHeads) · d]}: queries, keys, values of each new token
   * @param keys the layer's cached keys, {@code [slots, kvHeads, maxLength, d]}: only ever read and
   *     written here, through its host buffer (on the CUDA backend too: the cache stays on the
   *     host)
   * @return the context, {@code [rows, heads · d]}
   */
  static INDArray attention(
      INDArray qkv,
      Positions p,
      float[][] cosSin,
      int heads,
      int kvHeads,
      int d,
      INDArray keys,
      INDArray values,
      int maxLength) {
    float[] v = floats(qkv);
    int width = (heads + 2 * kvHeads) * d;
    int rows = p.batch() * p.len();
    FloatBuffer keyCache = keys.data().asNioFloat();
    FloatBuffer valueCache = values.data().asNioFloat();
    for (int r = 0; r < rows; r++) {
      for (int h = 0; h < heads + kvHeads; h++) { // queries, then keys
        rotate(v, r * width + h * d, d, cosSin, r);
      }
    }
    for (int b = 0; b < p.batch(); b++) {
      for (int t = 0; t < p.len(); t++) {
        int r = p.row(b, t);
        for (int h = 0; h < kvHeads; h++) {
          int at = cacheRow(p.firstSlot() + b, h, p.starts()[b] + t, kvHeads, maxLength) * d;
          keyCache.put(at, v, r * width + (heads + h) * d, d);
          valueCache.put(at, v, r * width + (heads + kvHeads + h) * d, d);
        }
      }
    }
    float[] context = new float[rows * heads * d];
    int group = heads / kvHeads;
    float scale = (float) (1 / Math.sqrt(d));
    IntStream.range(0, p.batch() * kvHeads)
        .parallel()
        .forEach(
            pair -> {
              int b = pair / kvHeads;
              int h = pair % kvHeads;
              int seen = p.starts()[b] + p.len();
              int from = cacheRow(p.firstSlot() + b, h, 0, kvHeads, maxLength) * d;
              float[] k = new float[seen * d];
              float[] vs = new float[seen * d];
              keyCache.get(from, k, 0, k.length); // absolute: safe across threads
              valueCache.get(from, vs, 0, vs.length);
              float[] scores = new float[seen];
              for (int t = 0; t < p.len(); t++) {
                int r = p.row(b, t);
                int visible = p.starts()[b] + t + 1;
                for (int g = 0; g < group; g++) {
                  int qh = h * group + g;
                  attend(
                      v,
                      r * width + qh * d,
                      k,
                      vs,
                      visible,
                      d,
                      scale,
                      scores,
                      context,
                      (r * heads + qh) * d);
                }
              }
            });
    return matrix(context, rows, heads * d);
  }

  private static int cacheRow(int slot, int kvHead, int position, int kvHeads, int maxLength) {
    return (slot * kvHeads + kvHead) * maxLength + position;
  }

  /** {@code x·cos + rotate_half(x)·sin} on the head at {@code at}, for row {@code r}'s angles. */
  private static void rotate(float[] x, int at, int d, float[][] cosSin, int r) {
    int half = d / 2;
    int angles = r * half;
    for (int i = 0; i < half; i++) {
      float a = x[at + i];
      float b = x[at + half + i];
      float c = cosSin[0][angles + i];
      float s = cosSin[1][angles + i];
      x[at + i] = a * c - b * s;
      x[at + half + i] = b * c + a * s;
    }
  }

  /** One query against the first {@code visible} keys: softmax of the scores, then Σ p·value. */
  private static void attend(
      float[] q,
      int qAt,
      float[] k,
      float[] v,
      int visible,
      int d,
      float scale,
      float[] scores,
      float[] out,
      int outAt) {
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < visible; j++) {
      scores[j] = dot(q, qAt, k, j * d, d) * scale;
      max = Math.max(max, scores[j]);
    }
    float sum = 0;
    for (int j = 0; j < visible; j++) {
      scores[j] = (float) Math.exp(scores[j] - max);
      sum += scores[j];
    }
    float inv = 1 / sum;
    for (int j = 0; j < visible; j++) {
      float w = scores[j] * inv;
      if (VECTOR) {
        VectorKernels.axpy(w, v, j * d, out, outAt, d);
      } else {
        for (int i = 0; i < d; i++) {
          out[outAt + i] += w * v[j * d + i];
        }
      }
    }
  }

  private static float dot(float[] a, int ai, float[] b, int bi, int n) {
    if (VECTOR) {
      return VectorKernels.dot(a, ai, b, bi, n);
    }
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += a[ai + i] * b[bi + i];
      s1 += a[ai + i + 1] * b[bi + i + 1];
      s2 += a[ai + i + 2] * b[bi + i + 2];
      s3 += a[ai + i + 3] * b[bi + i + 3];
    }
    for (; i < n; i++) {
      s0 += a[ai + i] * b[bi + i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
