package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The decoder against an independent double-precision forward pass, and its KV cache. */
class LlamaDecoderTest {
  @TempDir Path tmp;

  static int[] ids(long seed, int len, int vocab) {
    Random r = new Random(seed);
    int[] ids = new int[len];
    for (int i = 0; i < len; i++) {
      ids[i] = r.nextInt(vocab);
    }
    return ids;
  }

  static double maxRelativeError(INDArray actual, int rowOffset, double[][] expected) {
    double maxAbs = 0;
    double maxErr = 0;
    for (int t = 0; t < expected.length; t++) {
      for (int v = 0; v < expected[t].length; v++) {
        maxAbs = Math.max(maxAbs, Math.abs(expected[t][v]));
        maxErr = Math.max(maxErr, Math.abs(actual.getDouble(rowOffset + t, v) - expected[t][v]));
      }
    }
    return maxErr / maxAbs;
  }

  @ParameterizedTest(name = "kvHeads={0} tied={1} bias={2} llama3={3} type={4}")
  @CsvSource({
    "6, false, false, false, llama",
    "2, true, false, false, llama",
    "3, false, true, false, qwen2",
    "2, false, false, true, llama",
    "2, true, false, false, mistral"
  })
  void logitsMatchTheDoublePrecisionReference(
      int kvHeads, boolean tied, boolean bias, boolean llama3, String type) throws Exception {
    TinyLlama m = new TinyLlama(3, kvHeads, tied, bias, llama3);
    Path dir = m.write(tmp.resolve("m"), type);
    try (Checkpoint c = Checkpoint.open(dir)) {
      LlamaDecoder decoder = new LlamaDecoder(c);
      int[][] batch = {ids(1, 12, m.vocab), ids(2, 12, m.vocab)};
      INDArray logits = decoder.logits(batch, decoder.newCache(2, 40));
      ReferenceLlama ref = new ReferenceLlama(m);
      for (int b = 0; b < 2; b++) {
        assertThat(maxRelativeError(logits, b * 12, ref.logits(batch[b])))
            .as("row %d", b)
            .isLessThan(1e-4);
      }
    }
  }

  @Test
  void cachedDecodingGivesTheLogitsOfTheFullSequence() throws Exception {
    TinyLlama m = new TinyLlama(5, 2, false, true, true);
    try (Checkpoint c = Checkpoint.open(m.write(tmp.resolve("m"), "llama"))) {
      LlamaDecoder decoder = new LlamaDecoder(c);
      int[] seq = ids(9, 20, m.vocab);
      INDArray full = decoder.logits(new int[][] {seq}, decoder.newCache(1, 20));
      LlamaDecoder.KvCache cache = decoder.newCache(1, 20);
      int[] prompt = java.util.Arrays.copyOf(seq, 8);
      INDArray prefill = decoder.logits(new int[][] {prompt}, cache);
      assertThat(cache.length(0)).isEqualTo(8);
      double maxAbs = Math.abs(full.maxNumber().doubleValue());
      for (int t = 0; t < 8; t++) {
        for (int v = 0; v < m.vocab; v++) {
          assertThat(Math.abs(prefill.getDouble(t, v) - full.getDouble(t, v)) / maxAbs)
              .isLessThan(1e-5);
        }
      }
      for (int t = 8; t < 20; t++) {
        INDArray step = decoder.logits(new int[][] {{seq[t]}}, cache);
        for (int v = 0; v < m.vocab; v++) {
          assertThat(Math.abs(step.getDouble(0, v) - full.getDouble(t, v)) / maxAbs)
              .as("position %d", t)
              .isLessThan(1e-5);
        }
      }
      assertThat(cache.length(0)).isEqualTo(20);
      assertThatThrownBy(() -> decoder.logits(new int[][] {{1}}, cache))
          .hasMessageContaining("do not fit a cache of 20");
    }
  }

  @Test
  void aRowsLogitsDoNotDependOnTheOtherRowsOfItsBatch() throws Exception {
    TinyLlama m = new TinyLlama(7, 3, true, false, false);
    try (Checkpoint c = Checkpoint.open(m.write(tmp.resolve("m"), "llama"))) {
      LlamaDecoder decoder = new LlamaDecoder(c);
      int[] a = ids(1, 10, m.vocab);
      INDArray alone = decoder.logits(new int[][] {a}, decoder.newCache(1, 10));
      INDArray together =
          decoder.logits(
              new int[][] {ids(2, 10, m.vocab), a, ids(3, 10, m.vocab)}, decoder.newCache(3, 10));
      for (int t = 0; t < 10; t++) {
        for (int v = 0; v < m.vocab; v++) {
          assertThat(together.getDouble(10 + t, v))
              .isCloseTo(alone.getDouble(t, v), org.assertj.core.data.Offset.offset(1e-5));
        }
      }
    }
  }

  @Test
  void namesWhatTheConfigGetsWrong() throws Exception {
    TinyLlama m = new TinyLlama(1, 2, true, false, false);
    Path dir = m.write(tmp.resolve("m"), "gpt2");
    assertThatThrownBy(() -> new LlamaDecoder(Checkpoint.open(dir)))
        .hasMessageContaining("config.json: model_type 'gpt2' is not supported");
    Path other = m.write(tmp.resolve("n"), "llama");
    String config = Files.readString(other.resolve("config.json"));
    Files.writeString(other.resolve("config.json"), config.replace("\"silu\"", "\"gelu\""));
    assertThatThrownBy(() -> new LlamaDecoder(Checkpoint.open(other)))
        .hasMessageContaining("hidden_act 'gelu' is not supported");
    Files.writeString(
        other.resolve("config.json"),
        config.replace("\"num_key_value_heads\":2", "\"num_key_value_heads\":4"));
    assertThatThrownBy(() -> new LlamaDecoder(Checkpoint.open(other)))
        .hasMessageContaining("num_attention_heads 6 is not a multiple of num_key_value_heads 4");
    Path untied = new TinyLlama(1, 2, true, false, false).write(tmp.resolve("u"), "llama");
    Files.writeString(
        untied.resolve("config.json"),
        Files.readString(untied.resolve("config.json"))
            .replace("\"tie_word_embeddings\":true", "\"tie_word_embeddings\":false"));
    assertThatThrownBy(() -> new LlamaDecoder(Checkpoint.open(untied)))
        .hasMessageContaining("Tensor 'lm_head.weight'")
        .hasMessageContaining("is missing");
  }
}
