package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrossEncoderTest {
  @TempDir Path dir;

  @Test
  void logitsMatchAnIndependentDoubleForwardWithTokenTypesPoolerAndClassifier() throws Exception {
    TinyBert model = new TinyBert(6).withClassifierHead(7);
    ReferenceBert reference = new ReferenceBert(model, false);
    // [CLS] query [SEP] passage [SEP], passage tokens with type 1
    int[][] pairs = {
      {2, 10, 11, 3, 20, 21, 22, 3}, {2, 12, 3, 30, 3}, {2, 13, 14, 15, 3, 31, 32, 33, 34, 3}
    };
    int[][] types = {{0, 0, 0, 0, 1, 1, 1, 1}, {0, 0, 0, 1, 1}, {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}};
    try (Checkpoint c = Checkpoint.open(model.write(dir, "F32", "bert.", "gelu"))) {
      CrossEncoder encoder = new CrossEncoder(c);
      int[] lengths = BertEncoderTest.lengths(pairs);
      float[] scores =
          encoder.scores(
              BertEncoderTest.padded(pairs, 10), BertEncoderTest.padded(types, 10), lengths);
      for (int b = 0; b < pairs.length; b++) {
        double expected = reference.classify(pairs[b], types[b]);
        assertThat((double) scores[b])
            .as("pair %d", b)
            .isCloseTo(expected, within(1e-4 * Math.max(1, Math.abs(expected))));
      }
      // token types matter: the same ids as one segment score differently
      float[] oneSegment =
          encoder.scores(new int[][] {pairs[0]}, null, new int[] {pairs[0].length});
      assertThat((double) oneSegment[0])
          .isCloseTo(reference.classify(pairs[0], new int[8]), within(1e-4));
      assertThat(oneSegment[0]).isNotEqualTo(scores[0]);
    }
  }
}
