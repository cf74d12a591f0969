package dev.batchlm.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.nn.TinyBert;
import dev.batchlm.testing.TinyTokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalEncoderEmbedderTest {
  @TempDir Path dir;

  static final List<String> TEXTS =
      List.of("ab ba ab", "ba", "ab ab ab ba ba ba ab", "b a", "abba baab ab");

  Path model(boolean sentenceTransformers) throws Exception {
    Path m = new TinyBert(5).write(dir.resolve("tiny-encoder"), "F32", "", "gelu");
    TinyTokenizers.wordPiece(m, List.of("ab", "ba"), true);
    if (sentenceTransformers) {
      Files.createDirectories(m.resolve("1_Pooling"));
      Files.writeString(m.resolve("1_Pooling/config.json"), "{\"pooling_mode_cls_token\": true}");
      Files.writeString(
          m.resolve("modules.json"),
          "[{\"type\": \"sentence_transformers.models.Transformer\"},"
              + " {\"type\": \"sentence_transformers.models.Pooling\"},"
              + " {\"type\": \"sentence_transformers.models.Normalize\"}]");
    }
    return m;
  }

  static LocalEncoderEmbedder.Options options(int batchSize) {
    return new LocalEncoderEmbedder.Options("auto", null, "", batchSize, 0);
  }

  @Test
  void aTextsVectorDoesNotDependOnBatchSizeBucketOrOrder() throws Exception {
    Path m = model(false);
    LocalEncoderEmbedder big = new LocalEncoderEmbedder(m, options(2));
    LocalEncoderEmbedder one = new LocalEncoderEmbedder(m, options(1));
    List<Embedder.Embedding> batched = big.embed(TEXTS);
    for (int i = 0; i < TEXTS.size(); i++) {
      float[] alone = one.embed(List.of(TEXTS.get(i))).get(0).vector();
      float[] inBatch = batched.get(i).vector();
      for (int j = 0; j < alone.length; j++) {
        assertThat((double) inBatch[j])
            .as("text %d dim %d", i, j)
            .isCloseTo(alone[j], within(1e-5));
      }
    }
    assertThat(big.info().pooling()).isEqualTo("mean");
    assertThat(big.info().normalized()).isFalse();
    assertThat(big.info().dim()).isEqualTo(16);
    assertThat(big.info().modelId())
        .startsWith("tiny-encoder@")
        .hasSize("tiny-encoder@".length() + 12);
  }

  @Test
  void oneInstanceServesConcurrentCallersWithTheSameResults() throws Exception {
    LocalEncoderEmbedder shared = new LocalEncoderEmbedder(model(false), options(2));
    List<Embedder.Embedding> expected = shared.embed(TEXTS);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<List<Embedder.Embedding>>> results =
          new java.util.ArrayList<>();
      for (int t = 0; t < 16; t++) {
        results.add(pool.submit(() -> shared.embed(TEXTS)));
      }
      for (var f : results) {
        List<Embedder.Embedding> got = f.get();
        for (int i = 0; i < TEXTS.size(); i++) {
          assertThat(got.get(i).vector()).containsExactly(expected.get(i).vector());
        }
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void followsTheSentenceTransformersPoolingAndNormalizeModules() throws Exception {
    LocalEncoderEmbedder e = new LocalEncoderEmbedder(model(true), options(8));
    assertThat(e.info().pooling()).isEqualTo("cls");
    assertThat(e.info().normalized()).isTrue();
    for (Embedder.Embedding v : e.embed(TEXTS)) {
      double norm = 0;
      for (float f : v.vector()) {
        norm += f * f;
      }
      assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));
    }
  }

  @Test
  void textsOverTheMaximumLengthAreTruncatedAndFlagged() throws Exception {
    LocalEncoderEmbedder e =
        new LocalEncoderEmbedder(
            model(false), new LocalEncoderEmbedder.Options("mean", false, "", 4, 6));
    List<Embedder.Embedding> out = e.embed(List.of("ab ba", "ab ba ab ba ab ba ab ba"));
    assertThat(out.get(0).truncated()).isFalse();
    assertThat(out.get(1).truncated()).isTrue();
    // [CLS] ab ba ab ba [SEP] is what the truncated text keeps: same as embedding that text whole
    float[] kept = e.embed(List.of("ab ba ab ba")).get(0).vector();
    assertThat(out.get(1).vector())
        .containsExactly(kept, org.assertj.core.data.Offset.offset(1e-5f));
  }

  /**
   * sentence-transformers truncates at sentence_bert_config.json's max_seq_length (counting [CLS]
   * and [SEP]), below the position table's 20.
   */
  @Test
  void truncatesAtTheSentenceTransformersMaxSeqLength() throws Exception {
    Path m = model(false);
    Files.writeString(m.resolve("sentence_bert_config.json"), "{\"max_seq_length\": 6}");
    LocalEncoderEmbedder e = new LocalEncoderEmbedder(m, options(4));
    List<Embedder.Embedding> out = e.embed(List.of("ab ba ab ba", "ab ba ab ba ab"));
    assertThat(out.get(0).truncated()).isFalse();
    assertThat(out.get(1).truncated()).isTrue();
    assertThat(out.get(1).vector())
        .containsExactly(out.get(0).vector(), org.assertj.core.data.Offset.offset(1e-6f));
    // embed.max-length overrides it, up to the position table
    LocalEncoderEmbedder longer =
        new LocalEncoderEmbedder(m, new LocalEncoderEmbedder.Options("auto", null, "", 4, 7));
    assertThat(longer.embed(List.of("ab ba ab ba ab")).get(0).truncated()).isFalse();
  }

  /**
   * Max and mean-sqrt-len pooling as sentence-transformers computes them, from the token vectors
   * (mean pooling × n is the sum; the maximum checked against every token's own vector).
   */
  @Test
  void readsEveryPoolingModeItComputesAndRefusesTheOthers() throws Exception {
    Path m = model(false);
    Files.createDirectories(m.resolve("1_Pooling"));
    String text = "ab ba ab ba"; // [CLS] ab ba ab ba [SEP]: 6 tokens
    float[] mean = new LocalEncoderEmbedder(m, options(4)).embed(List.of(text)).get(0).vector();
    Files.writeString(
        m.resolve("1_Pooling/config.json"), "{\"pooling_mode_mean_sqrt_len_tokens\": true}");
    LocalEncoderEmbedder sqrt = new LocalEncoderEmbedder(m, options(4));
    assertThat(sqrt.info().pooling()).isEqualTo("mean_sqrt_len");
    float[] v = sqrt.embed(List.of(text)).get(0).vector();
    for (int i = 0; i < v.length; i++) {
      assertThat(v[i]).isCloseTo((float) (mean[i] * 6 / Math.sqrt(6)), within(1e-5f));
    }
    Files.writeString(m.resolve("1_Pooling/config.json"), "{\"pooling_mode_max_tokens\": true}");
    LocalEncoderEmbedder max = new LocalEncoderEmbedder(m, options(4));
    float[] maxed = max.embed(List.of(text)).get(0).vector();
    // each component is the largest of that component over the tokens: no smaller than the mean,
    // and reached by some token
    for (int i = 0; i < maxed.length; i++) {
      assertThat(maxed[i]).isGreaterThanOrEqualTo(mean[i] - 1e-6f);
    }
    Files.writeString(
        m.resolve("1_Pooling/config.json"),
        "{\"pooling_mode_mean_tokens\": true, \"pooling_mode_max_tokens\": true}");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new LocalEncoderEmbedder(m, options(4)))
        .hasMessageContaining("1_Pooling/config.json turns on")
        .hasMessageContaining("embed.pooling");
    Files.writeString(
        m.resolve("1_Pooling/config.json"), "{\"pooling_mode_weightedmean_tokens\": true}");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new LocalEncoderEmbedder(m, options(4)))
        .hasMessageContaining("pooling_mode_weightedmean_tokens");
  }

  @Test
  void aPrefixChangesTheVector() throws Exception {
    Path m = model(false);
    float[] plain = new LocalEncoderEmbedder(m, options(4)).embed(List.of("ab")).get(0).vector();
    float[] prefixed =
        new LocalEncoderEmbedder(m, new LocalEncoderEmbedder.Options("auto", null, "ba ", 4, 0))
            .embed(List.of("ab"))
            .get(0)
            .vector();
    float[] same = new LocalEncoderEmbedder(m, options(4)).embed(List.of("ba ab")).get(0).vector();
    assertThat(prefixed).isNotEqualTo(plain);
    assertThat(prefixed).containsExactly(same, org.assertj.core.data.Offset.offset(1e-6f));
  }
}
