package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.embed.Embedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddingSimilarityTest {
  /** Fixed 2-d vectors per text, and a record of the batches it was sent. */
  static final class Fixed implements Embedder {
    final Map<String, float[]> vectors;
    final List<Integer> batches = new ArrayList<>();

    Fixed(Map<String, float[]> vectors) {
      this.vectors = vectors;
    }

    @Override
    public List<Embedding> embed(List<String> texts) {
      batches.add(texts.size());
      return texts.stream().map(t -> new Embedding(vectors.get(t), false)).toList();
    }

    @Override
    public ModelInfo info() {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void theClosestReferenceCountsAndTextsGoInBatches() {
    Fixed e =
        new Fixed(
            Map.of(
                "a", new float[] {1, 0},
                "b", new float[] {3, 4},
                "r1", new float[] {0, 1},
                "r2", new float[] {1, 1},
                "r3", new float[] {-3, -4}));
    double[] s =
        EmbeddingSimilarity.score(
            e, List.of("a", "b"), List.of(List.of("r1", "r2"), List.of("r3")), 2);
    assertThat(s[0]).isCloseTo(1 / Math.sqrt(2), within(1e-12)); // r2 beats r1 (0)
    assertThat(s[1]).isCloseTo(-1, within(1e-12)); // opposite directions
    assertThat(e.batches).containsExactly(2, 2, 1);
  }
}
