import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.nn.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Makes samples/models/demo-encoder: a tiny BERT checkpoint with random weights (seed 42) in the
 * sentence-transformers layout, over the demo tokenizer, and samples/models/demo-reranker, the same
 * shape with BertForSequenceClassification's pooler and one-label classifier (seed 43). They exist so
 * the demo and tests can run embed and rerank without downloading anything; their outputs carry no
 * meaning. Run from samples/make with batchlm-lib and
 * its dependencies on the classpath (samples/README.md).
 */
public class MakeDemoEncoder {
  static final int HIDDEN = 32;
  static final int LAYERS = 2;
  static final int HEADS = 4;
  static final int INTERMEDIATE = 64;
  static final int MAX_POSITIONS = 512;

  public static void main(String[] args) throws Exception {
    write(Path.of("../models/demo-encoder"), false, 42);
    write(Path.of("../models/demo-reranker"), true, 43);
  }

  static void write(Path out, boolean classifier, long seed) throws Exception {
    Files.createDirectories(out.resolve("1_Pooling"));
    Path tokenizer = Path.of("../models/demo-tokenizer/tokenizer.json");
    Files.copy(tokenizer, out.resolve("tokenizer.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    ObjectMapper json = new ObjectMapper();
    int vocab = json.readTree(tokenizer.toFile()).path("model").path("vocab").size();
    Random rnd = new Random(seed);
    Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
    t.put("embeddings.word_embeddings.weight", random(rnd, 0.5, vocab, HIDDEN));
    t.put("embeddings.position_embeddings.weight", random(rnd, 0.1, MAX_POSITIONS, HIDDEN));
    t.put("embeddings.token_type_embeddings.weight", random(rnd, 0.1, 2, HIDDEN));
    norm(t, "embeddings.LayerNorm");
    for (int i = 0; i < LAYERS; i++) {
      String p = "encoder.layer." + i + ".";
      for (String m : new String[] {"query", "key", "value"}) {
        t.put(p + "attention.self." + m + ".weight", random(rnd, 0.2, HIDDEN, HIDDEN));
        t.put(p + "attention.self." + m + ".bias", random(rnd, 0.02, HIDDEN));
      }
      t.put(p + "attention.output.dense.weight", random(rnd, 0.2, HIDDEN, HIDDEN));
      t.put(p + "attention.output.dense.bias", random(rnd, 0.02, HIDDEN));
      norm(t, p + "attention.output.LayerNorm");
      t.put(p + "intermediate.dense.weight", random(rnd, 0.2, INTERMEDIATE, HIDDEN));
      t.put(p + "intermediate.dense.bias", random(rnd, 0.02, INTERMEDIATE));
      t.put(p + "output.dense.weight", random(rnd, 0.2, HIDDEN, INTERMEDIATE));
      t.put(p + "output.dense.bias", random(rnd, 0.02, HIDDEN));
      norm(t, p + "output.LayerNorm");
    }
    if (classifier) {
      t.put("bert.pooler.dense.weight", random(rnd, 0.2, HIDDEN, HIDDEN));
      t.put("bert.pooler.dense.bias", random(rnd, 0.02, HIDDEN));
      t.put("classifier.weight", random(rnd, 0.5, 1, HIDDEN));
      t.put("classifier.bias", random(rnd, 0.02, 1));
    }
    Safetensors.write(out.resolve("model.safetensors"), t, Map.of("format", "pt"));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put(
        "architectures",
        new String[] {classifier ? "BertForSequenceClassification" : "BertModel"});
    if (classifier) {
      config.put("num_labels", 1);
    }
    config.put("model_type", "bert");
    config.put("vocab_size", vocab);
    config.put("hidden_size", HIDDEN);
    config.put("num_hidden_layers", LAYERS);
    config.put("num_attention_heads", HEADS);
    config.put("intermediate_size", INTERMEDIATE);
    config.put("max_position_embeddings", MAX_POSITIONS);
    config.put("type_vocab_size", 2);
    config.put("layer_norm_eps", 1e-12);
    config.put("hidden_act", "gelu");
    json.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), config);
    if (classifier) {
      java.nio.file.Files.deleteIfExists(out.resolve("1_Pooling/config.json"));
      java.nio.file.Files.deleteIfExists(out.resolve("1_Pooling"));
      return;
    }
    Files.writeString(out.resolve("1_Pooling/config.json"),
        "{\n  \"word_embedding_dimension\": " + HIDDEN + ",\n  \"pooling_mode_mean_tokens\": true\n}\n");
    Files.writeString(out.resolve("modules.json"), """
        [
          {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
          {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
          {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
        ]
        """);
  }

  static Safetensors.Tensor random(Random rnd, double scale, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextGaussian() * scale);
    }
    return new Safetensors.Tensor("F32", shape, v);
  }

  static void norm(Map<String, Safetensors.Tensor> t, String name) {
    float[] g = new float[HIDDEN];
    java.util.Arrays.fill(g, 1f);
    t.put(name + ".weight", new Safetensors.Tensor("F32", new long[] {HIDDEN}, g));
    t.put(name + ".bias", new Safetensors.Tensor("F32", new long[] {HIDDEN}, new float[HIDDEN]));
  }
}
