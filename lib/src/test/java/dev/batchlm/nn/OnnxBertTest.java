package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.batchlm.embed.Embedder;
import dev.batchlm.embed.LocalEncoderEmbedder;
import dev.batchlm.eval.EmbeddingSimilarity;
import dev.batchlm.tokenizer.HfTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real all-MiniLM-L6-v2 (the ONNX export langchain4j packs, Xenova's), read by {@link OnnxBert}
 * and run by batchlm's encoder, against ONNX Runtime running the export itself on the same token
 * ids: the reference is the graph as exported, not batchlm's reading of it.
 */
class OnnxBertTest {
  private static final int MAX_SEQ_LENGTH = 256;

  @TempDir static Path dir;
  static byte[] onnx;
  static OnnxBert model;
  static Path checkpoint;

  @BeforeAll
  static void convert() throws IOException {
    onnx = resource("/all-minilm-l6-v2.onnx");
    Path tokenizer = dir.resolve("tokenizer-in.json");
    Files.write(tokenizer, resource("/all-minilm-l6-v2-tokenizer.json"));
    model = OnnxBert.read(new ByteArrayInputStream(onnx), "all-minilm-l6-v2.onnx");
    checkpoint = dir.resolve("all-MiniLM-L6-v2");
    model.writeCheckpoint(checkpoint, tokenizer, MAX_SEQ_LENGTH);
  }

  @Test
  void readsTheConfigOffTheGraph() {
    // all-MiniLM-L6-v2's config.json on the Hugging Face hub
    assertThat(model.config().toString())
        .isEqualTo(
            "{\"architectures\":[\"BertModel\"],\"model_type\":\"bert\",\"vocab_size\":30522,"
                + "\"hidden_size\":384,\"num_hidden_layers\":6,\"num_attention_heads\":12,"
                + "\"intermediate_size\":1536,\"max_position_embeddings\":512,\"type_vocab_size\":2,"
                + "\"layer_norm_eps\":1.0E-12,\"hidden_act\":\"gelu\"}");
    // 5 embedding tensors and 16 per layer, every linear weight named after its bias
    assertThat(model.tensors()).hasSize(5 + 6 * 16);
    assertThat(model.tensors().get("encoder.layer.5.intermediate.dense.weight").shape())
        .containsExactly(1536, 384);
  }

  @Test
  void vectorsEqualOnnxRuntimesOnTheSameTokens() throws Exception {
    List<String> texts = new ArrayList<>();
    texts.add("How do I rotate the API keys of a service account?");
    texts.add("Spark writes each partition's Parquet files to staging before the rename.");
    texts.add("Größe, naïve café, 東京 — and an emoji 😀.");
    texts.add("a");
    // past 256 tokens: both sides keep the first 255 and the closing [SEP]
    texts.add("The nightly job reads every request, keys it and joins the cache. ".repeat(40));
    List<Embedder.Embedding> ours =
        new LocalEncoderEmbedder(
                checkpoint, new LocalEncoderEmbedder.Options(null, null, null, 4, 0))
            .embed(texts);
    float[][] reference = onnxRuntime(texts);
    double least = 1;
    for (int i = 0; i < texts.size(); i++) {
      double cosine = EmbeddingSimilarity.cosine(ours.get(i).vector(), reference[i]);
      assertThat(cosine).as("text %d", i).isGreaterThanOrEqualTo(0.99999);
      least = Math.min(least, cosine);
    }
    System.out.printf("all-MiniLM-L6-v2: 1 - least cosine to ONNX Runtime = %.1e%n", 1 - least);
    assertThat(ours.get(4).truncated()).isTrue();
    assertThat(ours.get(0).truncated()).isFalse();
  }

  @Test
  void anOnnxExportFolderIsAModelFolderAsItIs() throws Exception {
    // Xenova's layout: tokenizer.json beside onnx/model.onnx, no config.json, no pooling files
    Path export = dir.resolve("xenova-all-MiniLM-L6-v2");
    Files.createDirectories(export.resolve("onnx"));
    Files.write(export.resolve("onnx/model.onnx"), onnx);
    Files.copy(checkpoint.resolve("tokenizer.json"), export.resolve("tokenizer.json"));
    List<String> texts = List.of("Where is the board pack?", "Grid fees rose in March.");
    LocalEncoderEmbedder.Options asSentenceTransformers =
        new LocalEncoderEmbedder.Options("mean", true, null, 4, MAX_SEQ_LENGTH);
    LocalEncoderEmbedder direct = new LocalEncoderEmbedder(export, asSentenceTransformers);
    List<Embedder.Embedding> fromExport = direct.embed(texts);
    List<Embedder.Embedding> fromCheckpoint =
        new LocalEncoderEmbedder(checkpoint, asSentenceTransformers).embed(texts);
    for (int i = 0; i < texts.size(); i++) {
      assertThat(fromExport.get(i).vector()).containsExactly(fromCheckpoint.get(i).vector());
    }
    // named by its folder and the export's bytes, as a safetensors checkpoint by its weights
    String sha256 =
        java.util.HexFormat.of()
            .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(onnx));
    assertThat(direct.info().weightsHash()).isEqualTo(sha256);
    assertThat(direct.info().modelId())
        .isEqualTo("xenova-all-MiniLM-L6-v2@" + sha256.substring(0, 12));
  }

  /** Mean of ONNX Runtime's last hidden states over each text's tokens, L2-normalized. */
  private static float[][] onnxRuntime(List<String> texts) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    float[][] out = new float[texts.size()][];
    try (HfTokenizer tokenizer = HfTokenizer.fromFile(checkpoint.resolve("tokenizer.json"));
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(onnx, options)) {
      for (int i = 0; i < texts.size(); i++) {
        long[] ids = tokenizer.idsWithSpecialTokens(texts.get(i));
        if (ids.length > MAX_SEQ_LENGTH) {
          long sep = ids[ids.length - 1];
          ids = Arrays.copyOf(ids, MAX_SEQ_LENGTH);
          ids[MAX_SEQ_LENGTH - 1] = sep;
        }
        long[] mask = new long[ids.length];
        Arrays.fill(mask, 1);
        try (OnnxTensor idT = OnnxTensor.createTensor(env, new long[][] {ids});
            OnnxTensor maskT = OnnxTensor.createTensor(env, new long[][] {mask});
            OnnxTensor typesT = OnnxTensor.createTensor(env, new long[][] {new long[ids.length]});
            OrtSession.Result r =
                session.run(
                    Map.of("input_ids", idT, "attention_mask", maskT, "token_type_ids", typesT))) {
          float[][] hidden = ((float[][][]) r.get(0).getValue())[0];
          float[] mean = new float[hidden[0].length];
          for (float[] token : hidden) {
            for (int d = 0; d < mean.length; d++) {
              mean[d] += token[d] / hidden.length;
            }
          }
          out[i] = normalized(mean);
        }
      }
    }
    return out;
  }

  private static float[] normalized(float[] v) {
    double norm = 0;
    for (float x : v) {
      norm += x * x;
    }
    float[] out = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = (float) (v[i] / Math.sqrt(norm));
    }
    return out;
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = OnnxBertTest.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the test classpath");
      }
      return in.readAllBytes();
    }
  }
}
