package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The decoder against Hugging Face transformers: tiny random checkpoints saved by transformers 5.17
 * ({@code save_pretrained}: a sharded F32 Llama with GQA and llama3 rope scaling, a BF16 Qwen2 with
 * tied embeddings, one KV head and biases, an F16 Mistral whose head_dim is not hidden/heads) and
 * their logits and greedy continuations computed by transformers in float64 from the stored
 * weights. Made on a GPU machine by {@code tools/device/hf_reference.py}; see
 * src/test/resources/hf-reference/README.md.
 */
class HfReferenceTest {
  static Path fixture(String name) throws Exception {
    return Path.of(HfReferenceTest.class.getResource("/hf-reference/" + name).toURI());
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama-gqa-llama3", "qwen2-tied-bf16", "mistral-f16"})
  void logitsAndGreedyTokensMatchTransformers(String name) throws Exception {
    JsonNode expected = new ObjectMapper().readTree(fixture(name + ".json").toFile());
    try (Checkpoint c = Checkpoint.open(fixture(name))) {
      LlamaDecoder decoder = new LlamaDecoder(c);
      try (Generator generator = new Generator(decoder, 2)) {
        for (JsonNode k : expected.path("cases")) {
          int[] ids = ints(k.path("input_ids"));
          INDArray logits = decoder.logits(new int[][] {ids}, decoder.newCache(1, ids.length));
          double[][] ref = new double[ids.length][];
          for (int t = 0; t < ids.length; t++) {
            ref[t] = doubles(k.path("logits").get(t));
          }
          assertThat(LlamaDecoderTest.maxRelativeError(logits, 0, ref))
              .as("%s, %d tokens", name, ids.length)
              .isLessThan(1e-4);
          int[] greedy = ints(k.path("greedy"));
          assertThat(
                  generator
                      .generate(ids, greedy.length, Sampler.Settings.greedy(), Set.of(), t -> false)
                      .tokens())
              .as("%s greedy (smallest top-2 margin %s)", name, k.path("greedy_min_margin"))
              .containsExactly(greedy);
        }
      }
    }
  }

  static int[] ints(JsonNode a) {
    int[] v = new int[a.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.get(i).asInt();
    }
    return v;
  }

  static double[] doubles(JsonNode a) {
    double[] v = new double[a.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.get(i).asDouble();
    }
    return v;
  }
}
