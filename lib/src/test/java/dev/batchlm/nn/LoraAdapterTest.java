package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A PEFT adapter (saved by peft 0.21 on the Llama fixture: r 4, alpha 8, all seven projections,
 * non-zero B) applied by the decoder against the logits transformers + PEFT computed in float64;
 * written and read back; refused where it does not fit.
 */
class LoraAdapterTest {
  private static final String BASE = "llama-gqa-llama3";

  @Test
  void mergedAdapterGivesPeftsLogits() throws Exception {
    JsonNode expected =
        new ObjectMapper().readTree(HfReferenceTest.fixture(BASE + "-lora.json").toFile());
    try (Checkpoint c = Checkpoint.open(HfReferenceTest.fixture(BASE))) {
      LlamaConfig model = new LlamaDecoder(c).config();
      LoraAdapter adapter = LoraAdapter.read(HfReferenceTest.fixture(BASE + "-lora"), model);
      assertThat(adapter.settings().scaling()).isEqualTo(2.0); // alpha 8 / r 4
      assertThat(adapter.pairs()).hasSize(2 * 7);
      LlamaDecoder base = new LlamaDecoder(c);
      LlamaDecoder tuned = new LlamaDecoder(c, adapter);
      for (JsonNode k : expected.path("cases")) {
        int[] ids = HfReferenceTest.ints(k.path("input_ids"));
        double[][] ref = new double[ids.length][];
        for (int t = 0; t < ids.length; t++) {
          ref[t] = HfReferenceTest.doubles(k.path("logits").get(t));
        }
        INDArray logits = tuned.logits(new int[][] {ids}, tuned.newCache(1, ids.length));
        assertThat(LlamaDecoderTest.maxRelativeError(logits, 0, ref)).isLessThan(1e-4);
        // the adapter matters: the base model's logits are far from PEFT's
        INDArray without = base.logits(new int[][] {ids}, base.newCache(1, ids.length));
        assertThat(LlamaDecoderTest.maxRelativeError(without, 0, ref)).isGreaterThan(1e-2);
      }
    }
  }

  @Test
  void writtenAdapterReadsBackBitIdenticalUnderPeftsNames(@TempDir Path tmp) throws Exception {
    Path peft = HfReferenceTest.fixture(BASE + "-lora");
    LlamaConfig model = config();
    LoraAdapter adapter = LoraAdapter.read(peft, model);
    adapter.write(tmp);
    LoraAdapter again = LoraAdapter.read(tmp, model);

    assertThat(again.settings()).isEqualTo(adapter.settings());
    for (Map.Entry<String, LoraAdapter.Pair> e : adapter.pairs().entrySet()) {
      assertThat(again.pairs().get(e.getKey()).a()).containsExactly(e.getValue().a());
      assertThat(again.pairs().get(e.getKey()).b()).containsExactly(e.getValue().b());
    }
    try (Safetensors theirs = Safetensors.open(peft.resolve(LoraAdapter.WEIGHTS_FILE));
        Safetensors ours = Safetensors.open(tmp.resolve(LoraAdapter.WEIGHTS_FILE))) {
      assertThat(ours.entries().keySet()).isEqualTo(theirs.entries().keySet());
      for (Safetensors.Entry e : theirs.entries().values()) {
        assertThat(ours.entries().get(e.name()).shape()).containsExactly(e.shape());
      }
    }
    JsonNode config = new ObjectMapper().readTree(tmp.resolve(LoraAdapter.CONFIG_FILE).toFile());
    assertThat(config.path("peft_type").asText()).isEqualTo("LORA");
    assertThat(config.path("task_type").asText()).isEqualTo("CAUSAL_LM");
    assertThat(config.path("r").asInt()).isEqualTo(4);
    assertThat(config.path("lora_alpha").asDouble()).isEqualTo(8.0);
  }

  @Test
  void scalingIsPeftsWithAndWithoutRsLora() {
    assertThat(new LoraAdapter.Settings(16, 32, 0, List.of("q_proj"), false, "m").scaling())
        .isEqualTo(2.0);
    assertThat(new LoraAdapter.Settings(16, 32, 0, List.of("q_proj"), true, "m").scaling())
        .isEqualTo(8.0); // alpha / sqrt(r)
  }

  @Test
  void anAdapterOfAnotherModelIsRefusedNamingTheMismatch() throws Exception {
    Path peft = HfReferenceTest.fixture(BASE + "-lora");
    try (Checkpoint other = Checkpoint.open(HfReferenceTest.fixture("qwen2-tied-bf16"))) {
      LlamaConfig qwen = new LlamaDecoder(other).config();
      assertThatThrownBy(() -> LoraAdapter.read(peft, qwen))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("does not fit")
          .hasMessageContaining("another base model");
    }
  }

  @Test
  void unsupportedPeftSettingsAreRefusedNamingTheField(@TempDir Path tmp) throws Exception {
    Path peft = HfReferenceTest.fixture(BASE + "-lora");
    Files.copy(peft.resolve(LoraAdapter.WEIGHTS_FILE), tmp.resolve(LoraAdapter.WEIGHTS_FILE));
    ObjectMapper json = new ObjectMapper();
    ObjectNode c = (ObjectNode) json.readTree(peft.resolve(LoraAdapter.CONFIG_FILE).toFile());
    c.put("use_dora", true);
    json.writeValue(tmp.resolve(LoraAdapter.CONFIG_FILE).toFile(), c);
    assertThatThrownBy(() -> LoraAdapter.read(tmp, config())).hasMessageContaining("use_dora");

    c.put("use_dora", false);
    c.putArray("target_modules").add("q_proj").add("lm_head");
    json.writeValue(tmp.resolve(LoraAdapter.CONFIG_FILE).toFile(), c);
    assertThatThrownBy(() -> LoraAdapter.read(tmp, config()))
        .hasMessageContaining("target module 'lm_head'");
  }

  @Test
  void aRankLargerThanTheLayerIsRefused() throws Exception {
    LlamaConfig model = config(); // hidden 32, kv projections 16 wide
    int r = 17;
    LoraAdapter big =
        new LoraAdapter(
            new LoraAdapter.Settings(r, 8, 0, List.of("k_proj"), false, "m"),
            Map.of(
                LoraAdapter.key(0, "k_proj"),
                new LoraAdapter.Pair(new float[r * 32], new float[16 * r])));
    assertThatThrownBy(() -> big.checkFits(model, "tiny"))
        .hasMessage("LoRA rank 17 is larger than k_proj of tiny (16 × 32)");
  }

  private static LlamaConfig config() throws Exception {
    try (Checkpoint c = Checkpoint.open(HfReferenceTest.fixture(BASE))) {
      return LlamaConfig.from(c.config(), BASE);
    }
  }
}
