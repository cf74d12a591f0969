package dev.batchlm.eval;

import dev.batchlm.embed.Embedder;
import java.util.ArrayList;
import java.util.List;

/**
 * The metric {@code embedding_similarity}: the cosine between an answer's embedding and its closest
 * reference's, through the {@link Embedder} the embed job uses (a local encoder or an embeddings
 * endpoint). Texts go to the embedder in batches.
 */
public final class EmbeddingSimilarity {
  public static final String NAME = "embedding_similarity";

  private EmbeddingSimilarity() {}

  /** One similarity per answer, in order; {@code references.get(i)} has at least one text. */
  public static double[] score(
      Embedder embedder, List<String> answers, List<List<String>> references, int batch) {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < answers.size(); i++) {
      texts.add(answers.get(i));
      texts.addAll(references.get(i));
    }
    List<float[]> vectors = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += batch) {
      embedder
          .embed(texts.subList(from, Math.min(texts.size(), from + batch)))
          .forEach(e -> vectors.add(e.vector()));
    }
    double[] out = new double[answers.size()];
    int at = 0;
    for (int i = 0; i < answers.size(); i++) {
      float[] answer = vectors.get(at++);
      double best = -1;
      for (int r = 0; r < references.get(i).size(); r++) {
        best = Math.max(best, cosine(answer, vectors.get(at++)));
      }
      out[i] = best;
    }
    return out;
  }

  /** The cosine of two vectors (0 when either is zero), summed in double precision. */
  public static double cosine(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
  }
}
