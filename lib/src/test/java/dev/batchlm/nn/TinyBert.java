package dev.batchlm.nn;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes tiny random BERT checkpoints (config.json + model.safetensors) and keeps their weights.
 */
public final class TinyBert extends RandomWeights {
  final int vocab = 40;
  final int hidden;
  final int heads;
  final int layers;
  final int intermediate;
  final int maxPositions;

  public TinyBert(long seed) {
    this(seed, 16, 24, 20);
  }

  /** A random BERT of 2 layers and 4 heads with these widths and context. */
  public TinyBert(long seed, int hidden, int intermediate, int maxPositions) {
    this.hidden = hidden;
    this.heads = 4;
    this.layers = 2;
    this.intermediate = intermediate;
    this.maxPositions = maxPositions;
    Random rnd = new Random(seed);
    add(rnd, "embeddings.word_embeddings.weight", 0.5, vocab, hidden);
    add(rnd, "embeddings.position_embeddings.weight", 0.5, maxPositions, hidden);
    add(rnd, "embeddings.token_type_embeddings.weight", 0.5, 2, hidden);
    addNorm(rnd, "embeddings.LayerNorm", hidden);
    for (int i = 0; i < layers; i++) {
      String p = "encoder.layer." + i + ".";
      for (String m : new String[] {"query", "key", "value"}) {
        add(rnd, p + "attention.self." + m + ".weight", 0.3, hidden, hidden);
        add(rnd, p + "attention.self." + m + ".bias", 0.1, hidden);
      }
      add(rnd, p + "attention.output.dense.weight", 0.3, hidden, hidden);
      add(rnd, p + "attention.output.dense.bias", 0.1, hidden);
      addNorm(rnd, p + "attention.output.LayerNorm", hidden);
      add(rnd, p + "intermediate.dense.weight", 0.3, intermediate, hidden);
      add(rnd, p + "intermediate.dense.bias", 0.1, intermediate);
      add(rnd, p + "output.dense.weight", 0.3, hidden, intermediate);
      add(rnd, p + "output.dense.bias", 0.1, hidden);
      addNorm(rnd, p + "output.LayerNorm", hidden);
    }
  }

  /** Adds BertForSequenceClassification's pooler and a one-label classifier. */
  public TinyBert withClassifierHead(long seed) {
    Random rnd = new Random(seed);
    add(rnd, "bert.pooler.dense.weight", 0.3, hidden, hidden);
    add(rnd, "bert.pooler.dense.bias", 0.1, hidden);
    add(rnd, "classifier.weight", 0.5, 1, hidden);
    add(rnd, "classifier.bias", 0.1, 1);
    return this;
  }

  private void addNorm(Random rnd, String name, int n) {
    addGain(rnd, name + ".weight", n);
    add(rnd, name + ".bias", 0.1, n);
  }

  /** Writes the checkpoint; {@code prefix} ("bert." or "") is prepended to every tensor name. */
  public Path write(Path dir, String dtype, String prefix, String hiddenAct) throws Exception {
    Files.createDirectories(dir);
    // head tensors carry their own names (bert.pooler..., classifier...)
    writeSafetensors(
        dir.resolve("model.safetensors"),
        dtype,
        k -> k.startsWith("bert.") || k.startsWith("classifier.") ? k : prefix + k);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("model_type", "bert");
    config.put("vocab_size", vocab);
    config.put("hidden_size", hidden);
    config.put("num_hidden_layers", layers);
    config.put("num_attention_heads", heads);
    config.put("intermediate_size", intermediate);
    config.put("max_position_embeddings", maxPositions);
    config.put("type_vocab_size", 2);
    config.put("layer_norm_eps", 1e-12);
    config.put("hidden_act", hiddenAct);
    new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
    return dir;
  }
}
