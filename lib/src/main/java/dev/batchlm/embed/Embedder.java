package dev.batchlm.embed;

import java.util.List;

/**
 * Turns texts into vectors. Implementations: {@link LocalEncoderEmbedder} (a BERT-family checkpoint
 * on ND4J, in the executor) and, later, an OpenAI-compatible {@code /v1/embeddings} client.
 * Thread-safe: one instance per executor JVM serves all its tasks. A text's vector does not depend
 * on the other texts of the call.
 */
public interface Embedder {
  /**
   * One vector per text, in order; a text longer than the model's limit is truncated and flagged.
   */
  List<Embedding> embed(List<String> texts);

  /** What the vectors come from: written to {@code embeddings.model_id} and the run manifest. */
  ModelInfo info();

  /** A text's vector, and whether the text had to be truncated to fit the model. */
  record Embedding(float[] vector, boolean truncated) {}

  /**
   * The model's identity: {@code modelId} names the checkpoint and a hash of its weights; {@code
   * tokenizerHash} hashes its tokenizer.json; {@code pooling} is a sentence-transformers mode;
   * {@code settings} names, canonically, every other setting that changes a vector (maximum length,
   * pooling, normalization, prefix, tokenizer): vectors are reused only when both {@code modelId}
   * and {@code settings} are equal.
   */
  record ModelInfo(
      String modelId,
      String weightsHash,
      String tokenizerHash,
      int dim,
      String pooling,
      boolean normalized,
      String settings)
      implements java.io.Serializable {
    public ModelInfo withDim(int dim) {
      return new ModelInfo(modelId, weightsHash, tokenizerHash, dim, pooling, normalized, settings);
    }
  }
}
