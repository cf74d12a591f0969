package dev.batchlm.retrieve;

import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.CrossEncoder;
import dev.batchlm.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Scores (query, passage) pairs with a cross-encoder checkpoint folder (config.json, safetensors,
 * tokenizer.json). A pair longer than the model's maximum keeps its first tokens and its final
 * [SEP]. Thread-safe (read-only model).
 */
public final class Reranker {
  private final CrossEncoder model;
  private final HfTokenizer tokenizer;
  private final int batchSize;

  public Reranker(Path modelDir, int batchSize) {
    try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
      this.model = new CrossEncoder(checkpoint);
    }
    this.tokenizer = HfTokenizer.fromFile(modelDir.resolve("tokenizer.json"));
    this.batchSize = batchSize;
  }

  /** One relevance score per passage, in order. */
  public float[] scores(String query, List<String> passages) {
    int max = model.config().maxPositions();
    float[] out = new float[passages.size()];
    for (int from = 0; from < passages.size(); from += batchSize) {
      int to = Math.min(passages.size(), from + batchSize);
      int[][] ids = new int[to - from][];
      int[][] types = new int[to - from][];
      int[] lengths = new int[to - from];
      int len = 0;
      for (int i = from; i < to; i++) {
        long[][] pair = tokenizer.pairWithSpecialTokens(query, passages.get(i));
        long[] pi = pair[0];
        long[] pt = pair[1];
        if (pi.length > max) {
          long sep = pi[pi.length - 1];
          pi = Arrays.copyOf(pi, max);
          pt = Arrays.copyOf(pt, max);
          pi[max - 1] = sep;
        }
        ids[i - from] = Arrays.stream(pi).mapToInt(Math::toIntExact).toArray();
        types[i - from] = Arrays.stream(pt).mapToInt(Math::toIntExact).toArray();
        lengths[i - from] = pi.length;
        len = Math.max(len, pi.length);
      }
      for (int j = 0; j < ids.length; j++) {
        ids[j] = Arrays.copyOf(ids[j], len);
        types[j] = Arrays.copyOf(types[j], len);
      }
      float[] batch = model.scores(ids, types, lengths);
      System.arraycopy(batch, 0, out, from, batch.length);
    }
    return out;
  }
}
