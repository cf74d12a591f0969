package dev.batchlm.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A LoRA adapter of a LLaMA-family decoder in PEFT's layout, so that PEFT loads it and vLLM serves
 * it: {@code adapter_config.json} and {@code adapter_model.safetensors} with tensors named {@code
 * base_model.model.model.layers.<i>.<self_attn|mlp>.<module>.lora_<A|B>.weight}, A {@code [r, in]}
 * and B {@code [out, r]}. A targeted projection {@code W [out, in]} computes {@code x·(W + s·B·A)ᵀ}
 * with {@code s = alpha / r}, or {@code alpha / √r} under rsLoRA (PEFT's definitions). What PEFT
 * can express but this decoder does not apply (DoRA, biases, per-layer ranks, layer subsets) is
 * refused naming the field.
 */
public final class LoraAdapter implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String CONFIG_FILE = "adapter_config.json";
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";

  /** The projections a LoRA may target, in the order of a block. */
  public static final List<String> MODULES =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /**
   * What PEFT's {@code LoraConfig} says about the adapter.
   *
   * @param baseModel {@code base_model_name_or_path}: a portable name, never a machine's path
   */
  public record Settings(
      int rank,
      double alpha,
      double dropout,
      List<String> targetModules,
      boolean rsLora,
      String baseModel)
      implements java.io.Serializable {
    public Settings {
      if (rank <= 0) {
        throw new IllegalArgumentException("LoRA rank must be positive, not " + rank);
      }
      targetModules = List.copyOf(targetModules);
      for (String m : targetModules) {
        if (!MODULES.contains(m)) {
          throw new IllegalArgumentException(
              "LoRA target module '" + m + "' is not a projection of the decoder " + MODULES);
        }
      }
      if (targetModules.isEmpty()) {
        throw new IllegalArgumentException("LoRA needs at least one target module " + MODULES);
      }
    }

    /** The factor of {@code B·A}: {@code alpha/r}, or {@code alpha/√r} with rsLoRA. */
    public double scaling() {
      return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }
  }

  /** One projection's matrices, row-major: A {@code [rank, in]}, B {@code [out, rank]}. */
  public record Pair(float[] a, float[] b) implements java.io.Serializable {}

  private final Settings settings;
  private final Map<String, Pair> pairs; // "layers.<i>.<module>" → matrices

  public LoraAdapter(Settings settings, Map<String, Pair> pairs) {
    this.settings = settings;
    this.pairs = Map.copyOf(pairs);
  }

  public Settings settings() {
    return settings;
  }

  /**
   * A new adapter as PEFT initializes one: A Kaiming-uniform ({@code a = √5}, so uniform in {@code
   * ±1/√in}), B zeros, so training starts from the base model. Seeded: the same seed, the same
   * matrices.
   */
  public static LoraAdapter initialized(Settings settings, LlamaConfig model, long seed) {
    java.util.Random rnd = new java.util.Random(seed);
    Map<String, Pair> pairs = new LinkedHashMap<>();
    for (int layer = 0; layer < model.layers(); layer++) {
      for (String module : settings.targetModules()) {
        int[] shape = shape(model, module);
        float[] a = new float[settings.rank() * shape[1]];
        double bound = 1 / Math.sqrt(shape[1]);
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
        }
        pairs.put(key(layer, module), new Pair(a, new float[shape[0] * settings.rank()]));
      }
    }
    LoraAdapter adapter = new LoraAdapter(settings, pairs);
    adapter.checkFits(model, "the base model");
    return adapter;
  }

  /** The key of a projection in {@link #pairs()}. */
  public static String key(int layer, String module) {
    return "layers." + layer + "." + module;
  }

  public Map<String, Pair> pairs() {
    return pairs;
  }

  /** The matrices of {@code module} in {@code layer}, or null when the adapter leaves it alone. */
  public Pair pair(int layer, String module) {
    return pairs.get(key(layer, module));
  }

  /** {@code [out, in]} of a projection of {@code model}. */
  public static int[] shape(LlamaConfig model, String module) {
    int h = model.hiddenSize();
    int qd = model.heads() * model.headDim();
    int kvd = model.kvHeads() * model.headDim();
    int f = model.intermediateSize();
    return switch (module) {
      case "q_proj" -> new int[] {qd, h};
      case "k_proj", "v_proj" -> new int[] {kvd, h};
      case "o_proj" -> new int[] {h, qd};
      case "gate_proj", "up_proj" -> new int[] {f, h};
      case "down_proj" -> new int[] {h, f};
      default -> throw new IllegalArgumentException("not a projection: " + module);
    };
  }

  /** A projection's module path in the checkpoint: {@code layers.<l>.self_attn.q_proj}, … */
  public static String modulePath(int layer, String module) {
    return "layers." + layer + (MODULES.indexOf(module) < 4 ? ".self_attn." : ".mlp.") + module;
  }

  /** PEFT's tensor name. */
  static String tensorName(int layer, String module, String matrix) {
    return "base_model.model.model." + modulePath(layer, module) + ".lora_" + matrix + ".weight";
  }

  /**
   * Fails naming the first mismatch when this adapter cannot apply to {@code model}: a layer it
   * lacks, a rank larger than a projection, or matrices of other shapes.
   */
  public void checkFits(LlamaConfig model, String modelName) {
    int r = settings.rank;
    for (Map.Entry<String, Pair> e : new TreeMap<>(pairs).entrySet()) {
      String[] parts = e.getKey().split("\\.");
      int layer = Integer.parseInt(parts[1]);
      if (layer >= model.layers()) {
        throw new IllegalArgumentException(
            "The adapter has layer "
                + layer
                + " but "
                + modelName
                + " has "
                + model.layers()
                + " layers: it was trained for another base model");
      }
      int[] shape = shape(model, parts[2]);
      if (r > Math.min(shape[0], shape[1])) {
        throw new IllegalArgumentException(
            "LoRA rank "
                + r
                + " is larger than "
                + parts[2]
                + " of "
                + modelName
                + " ("
                + shape[0]
                + " × "
                + shape[1]
                + ")");
      }
      if (e.getValue().a().length != r * shape[1] || e.getValue().b().length != shape[0] * r) {
        throw misfit(
            e.getKey(),
            modelName,
            r,
            shape,
            e.getValue().a().length + " and " + e.getValue().b().length + " values");
      }
    }
  }

  private static IllegalArgumentException misfit(
      String key, String model, int r, int[] shape, String found) {
    return new IllegalArgumentException(
        String.format(
            java.util.Locale.ROOT,
            "The adapter's %s does not fit %s: expected A [%d, %d] and B [%d, %d], found %s: it"
                + " was trained for another base model",
            key,
            model,
            r,
            shape[1],
            shape[0],
            r,
            found));
  }

  /**
   * {@code s·B·A} of one projection, row-major {@code [out, in]}, computed in double: what merging
   * adds to the base weight.
   */
  public float[] delta(int layer, String module, int out, int in) {
    Pair p = pair(layer, module);
    int r = settings.rank;
    double s = settings.scaling();
    float[] d = new float[out * in];
    double[] row = new double[in];
    for (int o = 0; o < out; o++) {
      Arrays.fill(row, 0);
      for (int k = 0; k < r; k++) {
        double b = p.b()[o * r + k];
        for (int i = 0; i < in; i++) {
          row[i] += b * p.a()[k * in + i];
        }
      }
      for (int i = 0; i < in; i++) {
        d[o * in + i] = (float) (s * row[i]);
      }
    }
    return d;
  }

  /** Reads a PEFT adapter folder (local path) for {@code model}, checked against its shapes. */
  public static LoraAdapter read(Path dir, LlamaConfig model) {
    Path configFile = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException(
          "Not a LoRA adapter folder: " + configFile + " is missing");
    }
    JsonNode c;
    try {
      c = JSON.readTree(configFile.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot parse " + configFile + ": " + e.getMessage(), e);
    }
    Settings settings = settings(c, configFile.toString());
    Map<String, Pair> pairs = new LinkedHashMap<>();
    try (Safetensors st = Safetensors.open(dir.resolve(WEIGHTS_FILE))) {
      for (String name : st.entries().keySet()) {
        if (!name.contains(".lora_")) {
          throw new IllegalArgumentException(
              dir.resolve(WEIGHTS_FILE)
                  + " holds '"
                  + name
                  + "', which is not a LoRA matrix (modules_to_save and trained embeddings are"
                  + " not supported)");
        }
      }
      for (int layer = 0; layer < model.layers(); layer++) {
        for (String module : settings.targetModules()) {
          String a = tensorName(layer, module, "A");
          if (!st.entries().containsKey(a)) {
            continue;
          }
          int[] shape = shape(model, module);
          int r = settings.rank();
          String b = tensorName(layer, module, "B");
          long[] foundA = st.entries().get(a).shape();
          long[] foundB = st.entries().containsKey(b) ? st.entries().get(b).shape() : new long[0];
          if (!Arrays.equals(foundA, new long[] {r, shape[1]})
              || !Arrays.equals(foundB, new long[] {shape[0], r})) {
            throw misfit(
                key(layer, module),
                "the base model",
                r,
                shape,
                "A " + Arrays.toString(foundA) + " and B " + Arrays.toString(foundB));
          }
          pairs.put(
              key(layer, module), new Pair(st.floats(a, r, shape[1]), st.floats(b, shape[0], r)));
        }
      }
      if (pairs.size() * 2 != st.entries().size()) {
        throw new IllegalArgumentException(
            dir.resolve(WEIGHTS_FILE)
                + " holds "
                + st.entries().size()
                + " tensors, of which "
                + pairs.size() * 2
                + " are LoRA matrices of the "
                + model.layers()
                + " layers and target modules "
                + settings.targetModules()
                + ": it was trained for another base model");
      }
    }
    LoraAdapter adapter = new LoraAdapter(settings, pairs);
    adapter.checkFits(model, "the base model");
    return adapter;
  }

  private static Settings settings(JsonNode c, String source) {
    require(c.path("peft_type").asText("LORA").equals("LORA"), source, "peft_type must be LORA");
    require(!c.path("use_dora").asBoolean(false), source, "use_dora (DoRA) is not supported");
    require(
        c.path("bias").asText("none").equals("none") && !c.path("lora_bias").asBoolean(false),
        source,
        "bias must be none");
    require(
        !c.path("fan_in_fan_out").asBoolean(false),
        source,
        "fan_in_fan_out is for GPT-2 style layers, not LLaMA");
    require(
        c.path("rank_pattern").isEmpty() && c.path("alpha_pattern").isEmpty(),
        source,
        "rank_pattern and alpha_pattern are not supported");
    require(
        c.path("layers_to_transform").isNull() || c.path("layers_to_transform").isMissingNode(),
        source,
        "layers_to_transform is not supported");
    List<String> targets = new ArrayList<>();
    JsonNode t = c.path("target_modules");
    if (t.isTextual()) {
      throw new IllegalArgumentException(
          source + ": target_modules as a pattern is not supported; list the modules");
    }
    t.forEach(m -> targets.add(m.asText()));
    targets.sort((x, y) -> MODULES.indexOf(x) - MODULES.indexOf(y));
    try {
      return new Settings(
          c.path("r").asInt(8),
          c.path("lora_alpha").asDouble(8),
          c.path("lora_dropout").asDouble(0),
          targets,
          c.path("use_rslora").asBoolean(false),
          c.path("base_model_name_or_path").asText(""));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  private static void require(boolean ok, String source, String what) {
    if (!ok) {
      throw new IllegalArgumentException(source + ": " + what);
    }
  }

  /** Writes the adapter as PEFT does: the config and the F32 matrices. */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    ObjectNode c = JSON.createObjectNode();
    c.put("peft_type", "LORA");
    c.put("task_type", "CAUSAL_LM");
    c.put("r", settings.rank);
    c.put("lora_alpha", settings.alpha);
    c.put("lora_dropout", settings.dropout);
    settings.targetModules.forEach(c.putArray("target_modules")::add);
    c.put("base_model_name_or_path", settings.baseModel);
    c.put("bias", "none");
    c.put("use_rslora", settings.rsLora);
    c.put("use_dora", false);
    c.put("fan_in_fan_out", false);
    c.put("inference_mode", true);
    c.put("init_lora_weights", true);
    c.putNull("modules_to_save");
    c.putNull("layers_to_transform");
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve(CONFIG_FILE).toFile(), c);
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Pair> e : new TreeMap<>(pairs).entrySet()) {
      String[] parts = e.getKey().split("\\.");
      int layer = Integer.parseInt(parts[1]);
      Pair p = e.getValue();
      int r = settings.rank;
      tensors.put(
          tensorName(layer, parts[2], "A"),
          new Safetensors.Tensor("F32", new long[] {r, p.a().length / r}, p.a()));
      tensors.put(
          tensorName(layer, parts[2], "B"),
          new Safetensors.Tensor("F32", new long[] {p.b().length / r, r}, p.b()));
    }
    Safetensors.write(dir.resolve(WEIGHTS_FILE), tensors, Map.of("format", "pt"));
  }
}
