package dev.batchlm.nn;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;

/** Named random tensors of a tiny test checkpoint, kept for the reference computations. */
abstract class RandomWeights {
  final Map<String, float[]> weights = new LinkedHashMap<>();
  final Map<String, long[]> shapes = new LinkedHashMap<>();

  /** Gaussian values with standard deviation {@code scale}. */
  void add(Random rnd, String name, double scale, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] w = new float[(int) n];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (rnd.nextGaussian() * scale);
    }
    put(name, w, shape);
  }

  /** A norm's gain: values near 1. */
  void addGain(Random rnd, String name, int n) {
    float[] g = new float[n];
    for (int i = 0; i < n; i++) {
      g[i] = (float) (1 + 0.1 * rnd.nextGaussian());
    }
    put(name, g, n);
  }

  private void put(String name, float[] values, long... shape) {
    weights.put(name, values);
    shapes.put(name, shape);
  }

  /** Writes every tensor to {@code file} in {@code dtype}, named by {@code rename}. */
  void writeSafetensors(Path file, String dtype, UnaryOperator<String> rename) throws Exception {
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    weights.forEach(
        (k, v) -> tensors.put(rename.apply(k), new Safetensors.Tensor(dtype, shapes.get(k), v)));
    Safetensors.write(file, tensors, Map.of("format", "pt"));
  }
}
