package dev.batchlm.nn;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Set;

/**
 * The fields of a LLaMA-family {@code config.json} the decoder uses (Llama 2/3, Mistral, Qwen2,
 * SmolLM, TinyLlama). Unsupported values fail naming the field: {@code hidden_act} must be {@code
 * silu}, the rope type {@code default} or {@code llama3}.
 *
 * @param attentionBias q/k/v projections have biases (Qwen2; {@code attention_bias} for others)
 * @param maxPositions the context window: {@code max_position_embeddings}, capped by a sliding
 *     window in force
 * @param ropeScaling null, or the llama3 frequency scaling
 */
public record LlamaConfig(
    int vocabSize,
    int hiddenSize,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    int intermediateSize,
    int maxPositions,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean tiedEmbeddings,
    boolean attentionBias)
    implements Serializable {

  private static final Set<String> TYPES = Set.of("llama", "mistral", "qwen2");

  /** Llama 3's rope scaling: low frequencies divided by {@code factor}, a smooth band between. */
  public record RopeScaling(
      double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions)
      implements Serializable {}

  public static LlamaConfig from(JsonNode c, String source) {
    String type = c.path("model_type").asText("");
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException(
          source
              + ": model_type '"
              + type
              + "' is not supported (supported: llama, mistral, qwen2)");
    }
    String act = c.path("hidden_act").asText("silu");
    if (!act.equals("silu")) {
      throw new IllegalArgumentException(
          source + ": hidden_act '" + act + "' is not supported (silu)");
    }
    int hidden = required(c, "hidden_size", source);
    int heads = required(c, "num_attention_heads", source);
    int kvHeads = c.has("num_key_value_heads") ? required(c, "num_key_value_heads", source) : heads;
    int headDim = c.hasNonNull("head_dim") ? required(c, "head_dim", source) : hidden / heads;
    if (heads % kvHeads != 0) {
      throw new IllegalArgumentException(
          source
              + ": num_attention_heads "
              + heads
              + " is not a multiple of num_key_value_heads "
              + kvHeads);
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException(source + ": head_dim " + headDim + " must be even");
    }
    // transformers 5 writes rope_parameters (theta inside); earlier versions rope_theta and
    // rope_scaling.
    JsonNode rs = c.path("rope_parameters");
    String ropeField = "rope_parameters";
    if (!rs.isObject()) {
      rs = c.path("rope_scaling");
      ropeField = "rope_scaling";
    }
    double theta = rs.path("rope_theta").asDouble(c.path("rope_theta").asDouble(10000));
    String kind = rs.path("rope_type").asText(rs.path("type").asText("default"));
    RopeScaling scaling = null;
    if (!kind.equals("default")) {
      if (!kind.equals("llama3")) {
        throw new IllegalArgumentException(
            source
                + ": "
                + ropeField
                + " rope_type '"
                + kind
                + "' is not supported (default, llama3)");
      }
      scaling =
          new RopeScaling(
              rs.path("factor").asDouble(8),
              rs.path("low_freq_factor").asDouble(1),
              rs.path("high_freq_factor").asDouble(4),
              rs.path("original_max_position_embeddings").asInt(8192));
    }
    return new LlamaConfig(
        required(c, "vocab_size", source),
        hidden,
        required(c, "num_hidden_layers", source),
        heads,
        kvHeads,
        headDim,
        required(c, "intermediate_size", source),
        contextWindow(c, type, source),
        c.path("rms_norm_eps").asDouble(1e-6),
        theta,
        scaling,
        c.path("tie_word_embeddings").asBoolean(false),
        c.path("attention_bias").asBoolean(type.equals("qwen2")));
  }

  /**
   * Positions the decoder may attend over: {@code max_position_embeddings}, or a smaller sliding
   * window where one is in force (Mistral; Qwen2 with {@code use_sliding_window}). Within the
   * window, sliding-window attention equals full attention, so capping the context keeps the
   * decoder exact instead of implementing the window.
   */
  private static int contextWindow(JsonNode c, String type, String source) {
    int max = required(c, "max_position_embeddings", source);
    boolean sliding =
        type.equals("qwen2")
            ? c.path("use_sliding_window").asBoolean(false)
            : c.path("sliding_window").canConvertToInt();
    return sliding ? Math.min(max, required(c, "sliding_window", source)) : max;
  }

  /** The rotary inverse frequencies {@code 1/θ^(2i/d)}, with llama3 scaling when configured. */
  public double[] inverseFrequencies() {
    double[] inv = new double[headDim / 2];
    for (int i = 0; i < inv.length; i++) {
      inv[i] = 1.0 / Math.pow(ropeTheta, 2.0 * i / headDim);
      if (ropeScaling != null) {
        RopeScaling s = ropeScaling;
        double wavelength = 2 * Math.PI / inv[i];
        double lowWavelength = s.originalMaxPositions() / s.lowFreqFactor();
        double highWavelength = s.originalMaxPositions() / s.highFreqFactor();
        if (wavelength > lowWavelength) {
          inv[i] /= s.factor();
        } else if (wavelength >= highWavelength) {
          double smooth =
              (s.originalMaxPositions() / wavelength - s.lowFreqFactor())
                  / (s.highFreqFactor() - s.lowFreqFactor());
          inv[i] = (1 - smooth) * inv[i] / s.factor() + smooth * inv[i];
        }
      }
    }
    return inv;
  }

  private static int required(JsonNode c, String field, String source) {
    JsonNode v = c.get(field);
    if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
      throw new IllegalArgumentException(
          source + ": field '" + field + "' is missing or not a positive integer");
    }
    return v.asInt();
  }
}
