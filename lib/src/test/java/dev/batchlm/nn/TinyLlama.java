package dev.batchlm.nn;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Writes tiny random LLaMA-shaped checkpoints (config.json + model.safetensors) and keeps them. */
public final class TinyLlama extends RandomWeights {
  final int vocab = 48;
  final int hidden = 24;
  final int layers = 2;
  final int heads = 6;
  final int kvHeads;
  final int headDim = 4;
  final int intermediate = 40;
  final int maxPositions = 64;
  final double eps = 1e-5;
  final boolean tied;
  final boolean bias;
  final boolean llama3Scaling;

  /**
   * @param kvHeads 6 for plain multi-head attention, 2 or 3 for grouped-query
   * @param bias q/k/v biases, as Qwen2 has
   * @param llama3Scaling rope_theta 500000 with Llama 3's frequency scaling (else theta 10000)
   */
  public TinyLlama(long seed, int kvHeads, boolean tied, boolean bias, boolean llama3Scaling) {
    this(seed, kvHeads, tied, bias, llama3Scaling, 0.3);
  }

  /**
   * @param outputScale the standard deviation of {@code lm_head}: with a hidden size half the
   *     vocabulary, the default 0.3 bounds every logit margin (the hidden state is normalized) and
   *     with it how close to zero a trained loss can get; training tests use a larger one
   */
  public TinyLlama(
      long seed,
      int kvHeads,
      boolean tied,
      boolean bias,
      boolean llama3Scaling,
      double outputScale) {
    this.kvHeads = kvHeads;
    this.tied = tied;
    this.bias = bias;
    this.llama3Scaling = llama3Scaling;
    Random rnd = new Random(seed);
    add(rnd, "model.embed_tokens.weight", 0.5, vocab, hidden);
    for (int i = 0; i < layers; i++) {
      String p = "model.layers." + i + ".";
      addGain(rnd, p + "input_layernorm.weight", hidden);
      add(rnd, p + "self_attn.q_proj.weight", 0.3, heads * headDim, hidden);
      add(rnd, p + "self_attn.k_proj.weight", 0.3, kvHeads * headDim, hidden);
      add(rnd, p + "self_attn.v_proj.weight", 0.3, kvHeads * headDim, hidden);
      if (bias) {
        add(rnd, p + "self_attn.q_proj.bias", 0.1, heads * headDim);
        add(rnd, p + "self_attn.k_proj.bias", 0.1, kvHeads * headDim);
        add(rnd, p + "self_attn.v_proj.bias", 0.1, kvHeads * headDim);
      }
      add(rnd, p + "self_attn.o_proj.weight", 0.3, hidden, heads * headDim);
      addGain(rnd, p + "post_attention_layernorm.weight", hidden);
      add(rnd, p + "mlp.gate_proj.weight", 0.3, intermediate, hidden);
      add(rnd, p + "mlp.up_proj.weight", 0.3, intermediate, hidden);
      add(rnd, p + "mlp.down_proj.weight", 0.3, hidden, intermediate);
    }
    addGain(rnd, "model.norm.weight", hidden);
    if (!tied) {
      add(rnd, "lm_head.weight", outputScale, vocab, hidden);
    }
  }

  public Path write(Path dir, String modelType) throws Exception {
    Files.createDirectories(dir);
    writeSafetensors(dir.resolve("model.safetensors"), "F32", k -> k);
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("model_type", modelType);
    config.put("vocab_size", vocab);
    config.put("hidden_size", hidden);
    config.put("num_hidden_layers", layers);
    config.put("num_attention_heads", heads);
    config.put("num_key_value_heads", kvHeads);
    config.put("head_dim", headDim);
    config.put("intermediate_size", intermediate);
    config.put("max_position_embeddings", maxPositions);
    config.put("rms_norm_eps", eps);
    config.put("hidden_act", "silu");
    config.put("tie_word_embeddings", tied);
    config.put("attention_bias", bias);
    if (llama3Scaling) {
      config.put("rope_theta", 500000.0);
      // a short original context so that all three bands occur at head_dim 4
      config.put(
          "rope_scaling",
          Map.of(
              "rope_type", "llama3",
              "factor", 8.0,
              "low_freq_factor", 1.0,
              "high_freq_factor", 4.0,
              "original_max_position_embeddings", 64));
    } else {
      config.put("rope_theta", 10000.0);
    }
    new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
    return dir;
  }
}
