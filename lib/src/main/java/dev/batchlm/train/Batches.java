package dev.batchlm.train;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sequences to the placeholders of a {@link LoraGraph}: rows padded to the graph's length, the
 * embeddings looked up, rotary cos/sin of each token's position, the additive attention mask
 * (causal, within one example, padding sees only itself), next-token targets and their loss
 * weights.
 */
public final class Batches {
  private Batches() {}

  /**
   * @param trainedTokensOfGlobalBatch the N of the loss weights {@code 1/N}: the trained tokens of
   *     the whole step, so that the shares' gradients add up to the step's mean; 1 gives sums,
   *     which the caller divides once the step's tokens are known (what lora-train does)
   * @param dropout LoRA dropout probability
   * @param rowSeeds each row's seed for its dropout masks, so that a row gets the same masks in
   *     whichever share and micro-batch it is computed; null: no dropout (evaluation)
   */
  public static LoraGraph.Batch of(
      BaseWeights base,
      LoraGraph graph,
      int batch,
      int length,
      List<Sequence> rows,
      long trainedTokensOfGlobalBatch,
      double dropout,
      long[] rowSeeds) {
    if (rows.size() > batch) {
      throw new IllegalArgumentException(rows.size() + " rows for a batch of " + batch);
    }
    DataType dt = base.type();
    int n = batch * length;
    int d = base.config().headDim();
    int[] ids = new int[n];
    int[] positions = new int[n];
    int[] segment = new int[n];
    int[] targets = new int[n];
    double[] weights = new double[n];
    java.util.Arrays.fill(segment, -1); // padding
    for (int b = 0; b < rows.size(); b++) {
      Sequence s = rows.get(b);
      if (s.length() > length) {
        throw new IllegalArgumentException(
            "a sequence of " + s.length() + " tokens is longer than the batch's " + length);
      }
      int at = 0;
      for (int e = 0; e < s.exampleLengths().length; e++) {
        for (int i = 0; i < s.exampleLengths()[e]; i++, at++) {
          segment[b * length + at] = e;
        }
      }
      for (int t = 0; t < s.length(); t++) {
        ids[b * length + t] = s.inputIds()[t];
        positions[b * length + t] = s.positionIds()[t];
        boolean trained =
            t + 1 < s.length()
                && s.labels()[t + 1] != Sequence.IGNORED
                && segment[b * length + t + 1] == segment[b * length + t];
        if (trained) {
          targets[b * length + t] = s.labels()[t + 1];
          weights[b * length + t] = 1.0 / trainedTokensOfGlobalBatch;
        }
      }
    }
    double[] inv = base.config().inverseFrequencies();
    double[] cos = new double[n * d];
    double[] sin = new double[n * d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        double angle = positions[i] * inv[j % (d / 2)]; // HF: cat(freqs, freqs)
        cos[i * d + j] = Math.cos(angle);
        sin[i * d + j] = Math.sin(angle);
      }
    }
    int groups = graph.groups();
    float[] mask = new float[batch * groups * length * length];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < length; t++) {
        int st = segment[b * length + t];
        for (int j = 0; j < length; j++) {
          int sj = segment[b * length + j];
          boolean visible = st < 0 ? j == t : j <= t && sj == st;
          if (!visible) {
            for (int g = 0; g < groups; g++) {
              mask[((b * groups + g) * length + t) * length + j] = -1e9f;
            }
          }
        }
      }
    }
    Map<String, INDArray> drops = new HashMap<>();
    graph
        .dropoutShapes()
        .forEach(
            (name, width) -> {
              double[] m = new double[(int) (n * width)];
              if (rowSeeds == null || dropout == 0) { // evaluation: the mask keeps everything
                java.util.Arrays.fill(m, 1);
              }
              for (int b = 0; rowSeeds != null && dropout > 0 && b < rows.size(); b++) {
                Random rng = LoraWorker.rowRandom(rowSeeds[b], name);
                for (int i = 0; i < rows.get(b).length() * width; i++) { // position-major
                  m[(int) (b * length * width) + i] =
                      rng.nextDouble() < dropout ? 0 : 1 / (1 - dropout);
                }
              }
              drops.put(name, Nd4j.createFromArray(m).castTo(dt).reshape(n, width));
            });
    return new LoraGraph.Batch(
        base.embed(ids),
        Nd4j.createFromArray(cos).castTo(dt).reshape(n, 1, d),
        Nd4j.createFromArray(sin).castTo(dt).reshape(n, 1, d),
        Nd4j.createFromArray(mask).castTo(dt).reshape(batch, 1, (long) groups * length, length),
        Nd4j.createFromArray(targets),
        Nd4j.createFromArray(weights).castTo(dt),
        drops);
  }
}
