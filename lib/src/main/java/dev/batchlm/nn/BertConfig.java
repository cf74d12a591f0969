package dev.batchlm.nn;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.util.Set;

/**
 * The fields of a BERT {@code config.json} the encoder uses. Unsupported values fail with the field
 * named: only absolute position embeddings, and GELU ({@code gelu}, exact with erf, or {@code
 * gelu_new}/{@code gelu_pytorch_tanh}, the tanh approximation).
 */
public record BertConfig(
    int vocabSize,
    int hiddenSize,
    int layers,
    int heads,
    int intermediateSize,
    int maxPositions,
    int typeVocabSize,
    double layerNormEps,
    boolean tanhGelu)
    implements Serializable {

  private static final Set<String> TYPES = Set.of("bert");

  public static BertConfig from(JsonNode c, String source) {
    String type = c.path("model_type").asText("bert");
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException(
          source + ": model_type '" + type + "' is not supported (supported: bert)");
    }
    String positions = c.path("position_embedding_type").asText("absolute");
    if (!positions.equals("absolute")) {
      throw new IllegalArgumentException(
          source + ": position_embedding_type '" + positions + "' is not supported (absolute)");
    }
    String act = c.path("hidden_act").asText("gelu");
    boolean tanh =
        switch (act) {
          case "gelu" -> false;
          case "gelu_new", "gelu_pytorch_tanh" -> true;
          default ->
              throw new IllegalArgumentException(
                  source + ": hidden_act '" + act + "' is not supported (gelu, gelu_new)");
        };
    BertConfig cfg =
        new BertConfig(
            required(c, "vocab_size", source),
            required(c, "hidden_size", source),
            required(c, "num_hidden_layers", source),
            required(c, "num_attention_heads", source),
            required(c, "intermediate_size", source),
            required(c, "max_position_embeddings", source),
            c.path("type_vocab_size").asInt(2),
            c.path("layer_norm_eps").asDouble(1e-12),
            tanh);
    if (cfg.hiddenSize() % cfg.heads() != 0) {
      throw new IllegalArgumentException(
          source
              + ": hidden_size "
              + cfg.hiddenSize()
              + " is not a multiple of num_attention_heads "
              + cfg.heads());
    }
    return cfg;
  }

  public int headSize() {
    return hiddenSize / heads;
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
