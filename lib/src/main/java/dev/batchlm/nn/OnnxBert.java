package dev.batchlm.nn;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import onnx.Onnx;

/**
 * A BERT encoder exported to ONNX by PyTorch (the layout of Xenova's and optimum's exports of
 * sentence-transformers models), read back into a Hugging Face checkpoint that {@link BertEncoder}
 * loads. Biases, LayerNorms and embeddings keep their Hugging Face names in the export; the linear
 * layers' weights become anonymous {@code MatMul} inputs ({@code onnx::MatMul_787}, stored {@code
 * [in, out]}), named here by following each one's product to the {@code Add} of its named bias and
 * transposed to {@code [out, in]}. The config is read off the tensors' shapes and the graph's
 * constants (the heads of the attention's reshape, the LayerNorm's epsilon). The ONNX messages are
 * parsed with the protobuf classes that ship in nd4j-api.
 */
public final class OnnxBert {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LAYER = Pattern.compile("^encoder\\.layer\\.(\\d+)\\.");

  /**
   * Where a model folder holds its full-precision export: optimum's {@code model.onnx}, or Xenova's
   * {@code onnx/model.onnx} (the quantized siblings are not read). In this order.
   */
  public static final List<String> EXPORTS = List.of("model.onnx", "onnx/model.onnx");

  private final Map<String, Safetensors.Tensor> tensors;
  private final ObjectNode config;

  private OnnxBert(Map<String, Safetensors.Tensor> tensors, ObjectNode config) {
    this.tensors = tensors;
    this.config = config;
  }

  /** Reads an export; {@code source} names it in errors. */
  public static OnnxBert read(InputStream in, String source) throws IOException {
    Onnx.GraphProto graph = Onnx.ModelProto.parseFrom(in).getGraph();
    Map<String, Onnx.TensorProto> initializers = new LinkedHashMap<>();
    graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
    Map<String, Onnx.NodeProto> producer = new HashMap<>();
    Map<String, List<Onnx.NodeProto>> consumers = new HashMap<>();
    for (Onnx.NodeProto n : graph.getNodeList()) {
      n.getOutputList().forEach(o -> producer.put(o, n));
      n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
    }
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    for (Onnx.TensorProto t : initializers.values()) {
      if (t.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE) {
        continue; // position ids (int64): BertEncoder counts positions itself
      }
      if (t.getName().endsWith(".weight") || t.getName().endsWith(".bias")) {
        tensors.put(t.getName(), tensor(t, source));
      }
    }
    for (Onnx.NodeProto n : graph.getNodeList()) {
      if (n.getOpType().equals("MatMul") && initializers.containsKey(n.getInput(1))) {
        String bias = biasOf(n, consumers, initializers, source);
        Onnx.TensorProto w = initializers.get(n.getInput(1));
        tensors.put(
            bias.substring(0, bias.length() - "bias".length()) + "weight", transposed(w, source));
      }
    }
    return new OnnxBert(tensors, config(tensors, graph, producer, source));
  }

  /** The export in a local model folder, when it has one ({@link #EXPORTS}). */
  public static Optional<Path> export(Path dir) {
    return EXPORTS.stream().map(dir::resolve).filter(Files::isRegularFile).findFirst();
  }

  /** The tensors under Hugging Face's names; linear weights {@code [out, in]}. */
  public Map<String, Safetensors.Tensor> tensors() {
    return tensors;
  }

  /** A Hugging Face {@code config.json} for the tensors. */
  public ObjectNode config() {
    return config;
  }

  /**
   * Writes a sentence-transformers folder {@link dev.batchlm.embed.LocalEncoderEmbedder} loads: the
   * config, the weights, the tokenizer, mean pooling, normalization and {@code maxSeqLength}.
   */
  public void writeCheckpoint(Path dir, Path tokenizerJson, int maxSeqLength) throws IOException {
    Files.createDirectories(dir.resolve("1_Pooling"));
    JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), config);
    Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
    Files.copy(tokenizerJson, dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(
        dir.resolve("modules.json"),
        """
        [
          {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
          {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
          {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}
        ]
        """);
    ObjectNode pooling = JSON.createObjectNode();
    pooling.put("word_embedding_dimension", config.get("hidden_size").asInt());
    pooling.put("pooling_mode_mean_tokens", true);
    JSON.writeValue(dir.resolve("1_Pooling/config.json").toFile(), pooling);
    ObjectNode st = JSON.createObjectNode();
    st.put("max_seq_length", maxSeqLength);
    st.put("do_lower_case", false);
    JSON.writeValue(dir.resolve("sentence_bert_config.json").toFile(), st);
  }

  /**
   * {@code OnnxBert MODEL.onnx TOKENIZER.json OUT_DIR MAX_SEQ_LENGTH}: the build step that turns
   * the ONNX export packed in a Maven artifact into the demo's embedding model.
   */
  public static void main(String[] args) throws IOException {
    Path onnx = Path.of(args[0]);
    OnnxBert model;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(onnx))) {
      model = read(in, onnx.toString());
    }
    model.writeCheckpoint(Path.of(args[2]), Path.of(args[1]), Integer.parseInt(args[3]));
  }

  /** The bias added to a MatMul's product: the name its weight takes. */
  private static String biasOf(
      Onnx.NodeProto matMul,
      Map<String, List<Onnx.NodeProto>> consumers,
      Map<String, Onnx.TensorProto> initializers,
      String source) {
    for (Onnx.NodeProto next : consumers.getOrDefault(matMul.getOutput(0), List.of())) {
      if (next.getOpType().equals("Add")) {
        for (String input : next.getInputList()) {
          if (input.endsWith(".bias") && initializers.containsKey(input)) {
            return input;
          }
        }
      }
    }
    throw new IllegalArgumentException(
        source
            + ": the weight "
            + matMul.getInput(1)
            + " of MatMul "
            + matMul.getName()
            + " has no named bias added to its product; not a BERT export this reader knows");
  }

  private static ObjectNode config(
      Map<String, Safetensors.Tensor> t,
      Onnx.GraphProto graph,
      Map<String, Onnx.NodeProto> producer,
      String source) {
    long[] words = shape(t, "embeddings.word_embeddings.weight", source);
    TreeSet<Integer> layers = new TreeSet<>();
    for (String name : t.keySet()) {
      Matcher m = LAYER.matcher(name);
      if (m.find()) {
        layers.add(Integer.parseInt(m.group(1)));
      }
    }
    int hidden = (int) words[1];
    int heads = heads(graph, producer, hidden, source);
    ObjectNode c = JSON.createObjectNode();
    c.putArray("architectures").add("BertModel");
    c.put("model_type", "bert");
    c.put("vocab_size", words[0]);
    c.put("hidden_size", hidden);
    c.put("num_hidden_layers", layers.size());
    c.put("num_attention_heads", heads);
    c.put("intermediate_size", shape(t, "encoder.layer.0.intermediate.dense.bias", source)[0]);
    c.put("max_position_embeddings", shape(t, "embeddings.position_embeddings.weight", source)[0]);
    c.put("type_vocab_size", shape(t, "embeddings.token_type_embeddings.weight", source)[0]);
    c.put("layer_norm_eps", epsilon(graph, producer, source));
    c.put("hidden_act", "gelu"); // torch's exact GELU exports as Erf; the tanh form has no Erf
    boolean erf = graph.getNodeList().stream().anyMatch(n -> n.getOpType().equals("Erf"));
    if (!erf) {
      throw new IllegalArgumentException(source + ": no Erf node, so not the exact GELU BERT uses");
    }
    return c;
  }

  /**
   * The heads the attention splits into: the third dimension of the first reshape of a {@code
   * [batch, length, hidden]} product into {@code [batch, length, heads, head size]}.
   */
  private static int heads(
      Onnx.GraphProto graph, Map<String, Onnx.NodeProto> producer, int hidden, String source) {
    for (Onnx.NodeProto n : graph.getNodeList()) {
      if (!n.getOpType().equals("Reshape")) {
        continue;
      }
      Onnx.NodeProto shape = producer.get(n.getInput(1));
      if (shape != null && shape.getOpType().equals("Concat") && shape.getInputCount() == 4) {
        Long heads = constant(producer.get(shape.getInput(2)));
        Long size = constant(producer.get(shape.getInput(3)));
        if (heads != null && size != null && heads * size == hidden) {
          return Math.toIntExact(heads);
        }
      }
    }
    throw new IllegalArgumentException(
        source + ": no reshape into attention heads found; cannot tell num_attention_heads");
  }

  /** The epsilon added under the first LayerNorm's square root. */
  private static double epsilon(
      Onnx.GraphProto graph, Map<String, Onnx.NodeProto> producer, String source) {
    for (Onnx.NodeProto n : graph.getNodeList()) {
      if (n.getOpType().equals("LayerNormalization")) {
        for (Onnx.AttributeProto a : n.getAttributeList()) {
          if (a.getName().equals("epsilon")) {
            return a.getF();
          }
        }
        return 1e-5; // the operator's default
      }
      if (n.getOpType().equals("Sqrt")) {
        Onnx.NodeProto add = producer.get(n.getInput(0));
        if (add != null && add.getOpType().equals("Add")) {
          for (String input : add.getInputList()) {
            Onnx.NodeProto c = producer.get(input);
            if (c != null && c.getOpType().equals("Constant")) {
              // the float as written (1e-12), not its binary value widened (9.99e-13)
              return Double.parseDouble(
                  Float.toString(floats(c.getAttribute(0).getT(), source)[0]));
            }
          }
        }
      }
    }
    throw new IllegalArgumentException(source + ": no LayerNorm epsilon found");
  }

  /** The one int64 value of a Constant node, or null. */
  private static Long constant(Onnx.NodeProto n) {
    if (n == null || !n.getOpType().equals("Constant") || n.getAttributeCount() != 1) {
      return null;
    }
    Onnx.TensorProto t = n.getAttribute(0).getT();
    if (t.getDataType() != Onnx.TensorProto.DataType.INT64_VALUE) {
      return null;
    }
    if (t.getInt64DataCount() == 1) {
      return t.getInt64Data(0);
    }
    ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    return raw.remaining() == Long.BYTES ? raw.getLong() : null;
  }

  private static long[] shape(Map<String, Safetensors.Tensor> t, String name, String source) {
    Safetensors.Tensor x = t.get(name);
    if (x == null) {
      throw new IllegalArgumentException(source + ": no tensor " + name + "; not a BERT export");
    }
    return x.shape();
  }

  private static Safetensors.Tensor tensor(Onnx.TensorProto t, String source) {
    long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    return new Safetensors.Tensor("F32", shape, floats(t, source));
  }

  /** A {@code [in, out]} MatMul weight as {@code [out, in]}. */
  private static Safetensors.Tensor transposed(Onnx.TensorProto t, String source) {
    if (t.getDimsCount() != 2) {
      throw new IllegalArgumentException(source + ": MatMul weight " + t.getName() + " is not 2-D");
    }
    int in = Math.toIntExact(t.getDims(0));
    int out = Math.toIntExact(t.getDims(1));
    float[] v = floats(t, source);
    float[] w = new float[v.length];
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < out; o++) {
        w[o * in + i] = v[i * out + o];
      }
    }
    return new Safetensors.Tensor("F32", new long[] {out, in}, w);
  }

  private static float[] floats(Onnx.TensorProto t, String source) {
    if (t.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
      throw new IllegalArgumentException(
          source + ": tensor " + t.getName() + " is stored outside the .onnx file; not supported");
    }
    if (t.getFloatDataCount() > 0) {
      float[] v = new float[t.getFloatDataCount()];
      for (int i = 0; i < v.length; i++) {
        v[i] = t.getFloatData(i);
      }
      return v;
    }
    ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[raw.remaining() / Float.BYTES];
    raw.asFloatBuffer().get(v);
    return v;
  }
}
