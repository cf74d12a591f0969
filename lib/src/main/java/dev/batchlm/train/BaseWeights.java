package dev.batchlm.train;

import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.nn.LoraAdapter;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The frozen weights of a LLaMA-family checkpoint for training graphs, in one data type (FLOAT to
 * train, DOUBLE for gradient checks): loaded once per process and shared by every graph that
 * references them (SameDiff constants keep a reference, never a copy). Read-only.
 */
public final class BaseWeights {
  private final LlamaConfig config;
  private final DataType type;
  private final Map<String, INDArray> tensors = new HashMap<>();

  public BaseWeights(Checkpoint checkpoint, DataType type) {
    this.config =
        LlamaConfig.from(checkpoint.config(), checkpoint.dir().resolve("config.json").toString());
    this.type = type;
    int h = config.hiddenSize();
    put(checkpoint, "embed_tokens.weight", config.vocabSize(), h);
    if (!config.tiedEmbeddings()) {
      put(checkpoint, "lm_head.weight", config.vocabSize(), h);
    }
    put(checkpoint, "norm.weight", 1, h);
    for (int l = 0; l < config.layers(); l++) {
      put(checkpoint, "layers." + l + ".input_layernorm.weight", 1, h);
      put(checkpoint, "layers." + l + ".post_attention_layernorm.weight", 1, h);
      for (String module : LoraAdapter.MODULES) {
        int[] shape = LoraAdapter.shape(config, module);
        put(checkpoint, LoraAdapter.modulePath(l, module) + ".weight", shape[0], shape[1]);
        if (config.attentionBias() && LoraAdapter.MODULES.indexOf(module) < 3) {
          put(checkpoint, LoraAdapter.modulePath(l, module) + ".bias", 1, shape[0]);
        }
      }
    }
  }

  public LlamaConfig config() {
    return config;
  }

  public DataType type() {
    return type;
  }

  /** A tensor by its name in the checkpoint without the {@code model.} prefix. */
  INDArray get(String name) {
    INDArray t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("no tensor " + name);
    }
    return t;
  }

  /** The output projection: {@code lm_head}, or the embeddings when tied. */
  INDArray output() {
    return config.tiedEmbeddings() ? get("embed_tokens.weight") : get("lm_head.weight");
  }

  /** Rows of the embedding matrix for {@code ids}: {@code [ids.length, hidden]}. */
  public INDArray embed(int[] ids) {
    return Nd4j.pullRows(get("embed_tokens.weight"), 1, ids);
  }

  private void put(Checkpoint c, String name, int rows, int cols) {
    long[] shape = rows == 1 ? new long[] {cols} : new long[] {rows, cols};
    float[] values = c.floats("model.", name, shape); // lm_head has no prefix: found as named
    tensors.put(name, Nd4j.create(values, new long[] {rows, cols}, 'c').castTo(type));
  }
}
