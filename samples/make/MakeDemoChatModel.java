import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.nn.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Makes samples/models/demo-chat: a tiny LLaMA-shaped chat checkpoint with random weights (seed 44)
 * over the demo tokenizer plus ChatML's two special tokens, with a ChatML chat template. It exists so
 * that the demo can run the infer stage on the local provider without downloading anything; its
 * answers are strings of corpus words that mean nothing. Run from samples/make with batchlm-lib and
 * its dependencies on the classpath (samples/README.md).
 */
public class MakeDemoChatModel {
  static final int HIDDEN = 64;
  static final int LAYERS = 2;
  static final int HEADS = 4;
  static final int KV_HEADS = 2;
  static final int INTERMEDIATE = 128;
  static final int MAX_POSITIONS = 4096;
  static final String CHATML =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
          + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
          + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  public static void main(String[] args) throws Exception {
    Path out = Files.createDirectories(Path.of("../models/demo-chat"));
    ObjectMapper json = new ObjectMapper();
    ObjectNode tok = (ObjectNode) json.readTree(Path.of("../models/demo-tokenizer/tokenizer.json").toFile());
    int vocab = tok.path("model").path("vocab").size();
    int imStart = vocab;
    int imEnd = vocab + 1;
    ArrayNode added = (ArrayNode) tok.path("added_tokens");
    for (int i = 0; i < 2; i++) {
      added.addObject().put("id", vocab + i).put("content", i == 0 ? "<|im_start|>" : "<|im_end|>")
          .put("single_word", false).put("lstrip", false).put("rstrip", false)
          .put("normalized", false).put("special", true);
    }
    tok.putNull("post_processor"); // a decoder adds no [CLS]/[SEP]: the template has the markers
    json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("tokenizer.json").toFile(), tok);
    Map<String, Object> tokConfig = new LinkedHashMap<>();
    tokConfig.put("chat_template", CHATML);
    tokConfig.put("bos_token", null);
    tokConfig.put("eos_token", "<|im_end|>");
    tokConfig.put("model_max_length", MAX_POSITIONS);
    json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("tokenizer_config.json").toFile(), tokConfig);

    int total = vocab + 2;
    int d = HIDDEN / HEADS;
    Random rnd = new Random(44);
    Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
    t.put("model.embed_tokens.weight", random(rnd, 0.5, total, HIDDEN));
    t.put("model.norm.weight", gain(rnd, HIDDEN));
    for (int i = 0; i < LAYERS; i++) {
      String p = "model.layers." + i + ".";
      t.put(p + "input_layernorm.weight", gain(rnd, HIDDEN));
      t.put(p + "self_attn.q_proj.weight", random(rnd, 0.2, HEADS * d, HIDDEN));
      t.put(p + "self_attn.k_proj.weight", random(rnd, 0.2, KV_HEADS * d, HIDDEN));
      t.put(p + "self_attn.v_proj.weight", random(rnd, 0.2, KV_HEADS * d, HIDDEN));
      t.put(p + "self_attn.o_proj.weight", random(rnd, 0.2, HIDDEN, HEADS * d));
      t.put(p + "post_attention_layernorm.weight", gain(rnd, HIDDEN));
      t.put(p + "mlp.gate_proj.weight", random(rnd, 0.2, INTERMEDIATE, HIDDEN));
      t.put(p + "mlp.up_proj.weight", random(rnd, 0.2, INTERMEDIATE, HIDDEN));
      t.put(p + "mlp.down_proj.weight", random(rnd, 0.2, HIDDEN, INTERMEDIATE));
    }
    Safetensors.write(out.resolve("model.safetensors"), t, Map.of("format", "pt"));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architectures", new String[] {"LlamaForCausalLM"});
    config.put("model_type", "llama");
    config.put("vocab_size", total);
    config.put("hidden_size", HIDDEN);
    config.put("num_hidden_layers", LAYERS);
    config.put("num_attention_heads", HEADS);
    config.put("num_key_value_heads", KV_HEADS);
    config.put("intermediate_size", INTERMEDIATE);
    config.put("max_position_embeddings", MAX_POSITIONS);
    config.put("rms_norm_eps", 1e-5);
    config.put("rope_theta", 10000.0);
    config.put("hidden_act", "silu");
    config.put("tie_word_embeddings", true);
    config.put("bos_token_id", imStart);
    config.put("eos_token_id", imEnd);
    json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), config);
  }

  static Safetensors.Tensor random(Random rnd, double scale, long... shape) {
    float[] v = new float[(int) (shape[0] * shape[1])];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextGaussian() * scale);
    }
    return new Safetensors.Tensor("F32", shape, v);
  }

  static Safetensors.Tensor gain(Random rnd, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (1 + 0.1 * rnd.nextGaussian());
    }
    return new Safetensors.Tensor("F32", new long[] {n}, v);
  }
}
