package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class BertEncoderTest {
  @TempDir Path dir;

  static final int[][] SEQUENCES = {
    {2, 5, 9, 13, 17, 21, 3}, {2, 7, 7, 7, 30, 31, 32, 33, 34, 35, 36, 3}, {2, 39, 3}
  };

  static int[][] padded(int[][] seqs, int len) {
    int[][] out = new int[seqs.length][len];
    for (int b = 0; b < seqs.length; b++) {
      System.arraycopy(seqs[b], 0, out[b], 0, seqs[b].length);
    }
    return out;
  }

  static int[] lengths(int[][] seqs) {
    int[] out = new int[seqs.length];
    for (int b = 0; b < seqs.length; b++) {
      out[b] = seqs[b].length;
    }
    return out;
  }

  /** max |a - b| over max |b|: the relative error of a whole vector or matrix. */
  static double relativeError(float[] actual, double[] expected) {
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < expected.length; i++) {
      diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    return diff / scale;
  }

  @Test
  void referenceErfMatchesPublishedValues() {
    // Abramowitz & Stegun table 7.1 / any erf table
    assertThat(ReferenceBert.erf(0.5))
        .isCloseTo(0.5204998778130465, org.assertj.core.api.Assertions.within(1e-13));
    assertThat(ReferenceBert.erf(1.0))
        .isCloseTo(0.8427007929497149, org.assertj.core.api.Assertions.within(1e-13));
    assertThat(ReferenceBert.erf(-2.0))
        .isCloseTo(-0.9953222650189527, org.assertj.core.api.Assertions.within(1e-13));
    assertThat(ReferenceBert.erf(3.5))
        .isCloseTo(0.9999992569016276, org.assertj.core.api.Assertions.within(1e-13));
  }

  @Test
  void hiddenStatesAndPooledVectorsMatchAnIndependentDoubleForwardPass() throws Exception {
    for (String act : new String[] {"gelu", "gelu_new"}) {
      TinyBert model = new TinyBert(1);
      Path ckpt = model.write(dir.resolve(act), "F32", "bert.", act);
      ReferenceBert reference = new ReferenceBert(model, act.equals("gelu_new"));
      try (Checkpoint c = Checkpoint.open(ckpt)) {
        BertEncoder encoder = new BertEncoder(c);
        int len = 12;
        INDArray hidden = encoder.hidden(padded(SEQUENCES, len), lengths(SEQUENCES));
        float[][] pooled =
            encoder.embed(
                padded(SEQUENCES, len), lengths(SEQUENCES), BertEncoder.Pooling.MEAN, true);
        for (int b = 0; b < SEQUENCES.length; b++) {
          double[][] expected = reference.hidden(SEQUENCES[b]);
          for (int t = 0; t < SEQUENCES[b].length; t++) {
            float[] row = hidden.getRow((long) b * len + t).toFloatVector();
            assertThat(relativeError(row, expected[t]))
                .as("%s seq %d token %d", act, b, t)
                .isLessThan(1e-4);
          }
          assertThat(relativeError(pooled[b], reference.meanPooled(SEQUENCES[b], true)))
              .as("%s pooled %d", act, b)
              .isLessThan(1e-4);
        }
        float[][] cls =
            encoder.embed(
                padded(SEQUENCES, len), lengths(SEQUENCES), BertEncoder.Pooling.CLS, false);
        assertThat(relativeError(cls[1], reference.hidden(SEQUENCES[1])[0])).isLessThan(1e-4);
        // sentence-transformers' max and mean_sqrt_len_tokens modes over the reference's tokens
        float[][] max =
            encoder.embed(
                padded(SEQUENCES, len), lengths(SEQUENCES), BertEncoder.Pooling.MAX, false);
        float[][] sqrt =
            encoder.embed(
                padded(SEQUENCES, len),
                lengths(SEQUENCES),
                BertEncoder.Pooling.MEAN_SQRT_LEN,
                false);
        for (int b = 0; b < SEQUENCES.length; b++) {
          double[][] tokens = reference.hidden(SEQUENCES[b]);
          double[] expectedMax = new double[tokens[0].length];
          double[] expectedSqrt = new double[tokens[0].length];
          java.util.Arrays.fill(expectedMax, Double.NEGATIVE_INFINITY);
          for (double[] t : tokens) {
            for (int i = 0; i < t.length; i++) {
              expectedMax[i] = Math.max(expectedMax[i], t[i]);
              expectedSqrt[i] += t[i] / Math.sqrt(tokens.length);
            }
          }
          assertThat(relativeError(max[b], expectedMax)).as("max %d", b).isLessThan(1e-4);
          assertThat(relativeError(sqrt[b], expectedSqrt)).as("sqrt %d", b).isLessThan(1e-4);
        }
      }
    }
  }

  @Test
  void aTextsVectorDoesNotDependOnItsBatchOrPadding() throws Exception {
    TinyBert model = new TinyBert(2);
    try (Checkpoint c = Checkpoint.open(model.write(dir, "F32", "", "gelu"))) {
      BertEncoder encoder = new BertEncoder(c);
      int[][] alone = {SEQUENCES[0]};
      float[] single = encoder.embed(alone, lengths(alone), BertEncoder.Pooling.MEAN, true)[0];
      float[] inBatch =
          encoder
              .embed(padded(SEQUENCES, 20), lengths(SEQUENCES), BertEncoder.Pooling.MEAN, true)[0];
      for (int i = 0; i < single.length; i++) {
        assertThat((double) inBatch[i])
            .isCloseTo(single[i], org.assertj.core.api.Assertions.within(1e-5));
      }
    }
  }

  @Test
  void bf16CheckpointsLoadAsTheirRoundedValues() throws Exception {
    TinyBert model = new TinyBert(3);
    try (Checkpoint c = Checkpoint.open(model.write(dir, "BF16", "bert.", "gelu"))) {
      float[] original = model.weights.get("encoder.layer.0.attention.self.query.weight");
      float[] loaded = c.floats("bert.", "encoder.layer.0.attention.self.query.weight", 16, 16);
      for (int i = 0; i < original.length; i++) {
        assertThat(loaded[i])
            .isEqualTo(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(original[i])));
        assertThat((double) loaded[i])
            .isCloseTo(
                original[i], org.assertj.core.api.Assertions.within(Math.abs(original[i]) / 128.0));
      }
    }
  }

  @Test
  void badCheckpointsFailNamingTheFieldOrTensor() throws Exception {
    TinyBert model = new TinyBert(4);
    Path ckpt = model.write(dir, "F32", "", "gelu");
    String config = Files.readString(ckpt.resolve("config.json"));

    Files.writeString(ckpt.resolve("config.json"), config.replace("\"gelu\"", "\"relu\""));
    try (Checkpoint c = Checkpoint.open(ckpt)) {
      assertThatThrownBy(() -> new BertEncoder(c))
          .hasMessageContaining("hidden_act 'relu' is not supported");
    }
    Files.writeString(ckpt.resolve("config.json"), config.replace("\"bert\"", "\"roberta\""));
    try (Checkpoint c = Checkpoint.open(ckpt)) {
      assertThatThrownBy(() -> new BertEncoder(c))
          .hasMessageContaining("config.json: model_type 'roberta' is not supported");
    }
    Files.writeString(
        ckpt.resolve("config.json"), config.replace("\"hidden_size\":16", "\"hidden_size\":32"));
    try (Checkpoint c = Checkpoint.open(ckpt)) {
      assertThatThrownBy(() -> new BertEncoder(c))
          .hasMessageContaining("Tensor 'embeddings.word_embeddings.weight' in")
          .hasMessageContaining("has shape [40, 16], expected [40, 32]");
    }
    Files.writeString(
        ckpt.resolve("config.json"),
        config.replace("\"num_hidden_layers\":2", "\"num_hidden_layers\":3"));
    try (Checkpoint c = Checkpoint.open(ckpt)) {
      assertThatThrownBy(() -> new BertEncoder(c))
          .hasMessageContaining(
              "Tensor 'encoder.layer.2.attention.self.query.weight' (or 'bert.encoder.layer.2");
    }
    Files.delete(ckpt.resolve("model.safetensors"));
    assertThatThrownBy(() -> Checkpoint.open(ckpt))
        .hasMessageContaining(
            "expected model.safetensors, model.safetensors.index.json or a BERT encoder exported to ONNX");
  }
}
