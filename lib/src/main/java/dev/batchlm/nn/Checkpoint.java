package dev.batchlm.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face checkpoint folder on local disk: {@code config.json} and the weights, either one
 * {@code model.safetensors} or shards listed in {@code model.safetensors.index.json}, or a BERT
 * encoder exported to ONNX ({@link OnnxBert}). Tensor names may carry the architecture's prefix
 * ({@code bert.}) or not (sentence-transformers saves without it): a name is looked up as given,
 * then with the prefix. Thread-safe for reads.
 */
public final class Checkpoint implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final JsonNode config;
  private final Map<String, Safetensors> byTensor;
  private final Map<Path, Safetensors> files;
  private final Map<String, Safetensors.Tensor> inMemory; // an ONNX export's, read at open

  private Checkpoint(
      Path dir,
      JsonNode config,
      Map<String, Safetensors> byTensor,
      Map<Path, Safetensors> files,
      Map<String, Safetensors.Tensor> inMemory) {
    this.dir = dir;
    this.config = config;
    this.byTensor = byTensor;
    this.files = files;
    this.inMemory = inMemory;
  }

  public static Checkpoint open(Path dir) {
    Path configFile = dir.resolve("config.json");
    Path single = dir.resolve("model.safetensors");
    Path index = dir.resolve("model.safetensors.index.json");
    boolean safetensors = Files.isRegularFile(single) || Files.isRegularFile(index);
    Optional<Path> onnx = safetensors ? Optional.empty() : OnnxBert.export(dir);
    if (onnx.isPresent()) {
      return fromOnnx(dir, onnx.get(), configFile);
    }
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("Not a model folder: " + configFile + " is missing");
    }
    JsonNode config = readConfig(configFile);
    Map<Path, Safetensors> files = new LinkedHashMap<>();
    Map<String, Safetensors> byTensor = new HashMap<>();
    if (Files.isRegularFile(single)) {
      Safetensors st = Safetensors.open(single);
      files.put(single, st);
      st.entries().keySet().forEach(n -> byTensor.put(n, st));
    } else if (Files.isRegularFile(index)) {
      JsonNode weightMap;
      try {
        weightMap = JSON.readTree(index.toFile()).path("weight_map");
      } catch (IOException e) {
        throw new IllegalArgumentException("Cannot parse " + index + ": " + e.getMessage(), e);
      }
      weightMap
          .fields()
          .forEachRemaining(
              f -> {
                Path shard = dir.resolve(f.getValue().asText());
                Safetensors st = files.computeIfAbsent(shard, Safetensors::open);
                if (!st.entries().containsKey(f.getKey())) {
                  throw new IllegalArgumentException(
                      index
                          + " maps '"
                          + f.getKey()
                          + "' to "
                          + shard
                          + ", which does not hold it");
                }
                byTensor.put(f.getKey(), st);
              });
    } else {
      throw new IllegalArgumentException(
          "No weights in "
              + dir
              + ": expected model.safetensors, model.safetensors.index.json or a BERT encoder"
              + " exported to ONNX (model.onnx or onnx/model.onnx)");
    }
    return new Checkpoint(dir, config, byTensor, files, Map.of());
  }

  /**
   * A BERT encoder exported to ONNX (optimum's {@code model.onnx}, Xenova's {@code
   * onnx/model.onnx}), read into memory; its {@code config.json} when the folder has one, else the
   * config read off the graph.
   */
  private static Checkpoint fromOnnx(Path dir, Path onnx, Path configFile) {
    OnnxBert model;
    try (InputStream in = new BufferedInputStream(Files.newInputStream(onnx), 1 << 20)) {
      model = OnnxBert.read(in, onnx.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read " + onnx + ": " + e.getMessage(), e);
    }
    JsonNode config = Files.isRegularFile(configFile) ? readConfig(configFile) : model.config();
    return new Checkpoint(dir, config, Map.of(), Map.of(), model.tensors());
  }

  private static JsonNode readConfig(Path configFile) {
    try {
      return JSON.readTree(configFile.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot parse " + configFile + ": " + e.getMessage(), e);
    }
  }

  public Path dir() {
    return dir;
  }

  public JsonNode config() {
    return config;
  }

  /** The tensor {@code name} (or {@code prefix + name}) as floats, checked against its shape. */
  public float[] floats(String prefix, String name, long... shape) {
    Safetensors.Tensor held = inMemory.getOrDefault(name, inMemory.get(prefix + name));
    if (held != null) {
      if (!Arrays.equals(held.shape(), shape)) {
        throw new IllegalArgumentException(
            "Tensor '"
                + name
                + "' of "
                + dir
                + " has shape "
                + Arrays.toString(held.shape())
                + ", expected "
                + Arrays.toString(shape)
                + " (from config.json)");
      }
      return held.values();
    }
    Safetensors st = byTensor.get(name);
    String found = name;
    if (st == null) {
      found = prefix + name;
      st = byTensor.get(found);
    }
    if (st == null) {
      throw new IllegalArgumentException(
          "Tensor '"
              + name
              + "' (or '"
              + prefix
              + name
              + "') is missing from the checkpoint "
              + dir);
    }
    return st.floats(found, shape);
  }

  @Override
  public void close() {
    files.values().forEach(Safetensors::close);
  }
}
