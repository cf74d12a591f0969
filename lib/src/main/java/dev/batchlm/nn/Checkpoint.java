package dev.batchlm.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face checkpoint folder on local disk: {@code config.json} and the weights, either one
 * {@code model.safetensors} or shards listed in {@code model.safetensors.index.json}. Tensor names
 * may carry the architecture's prefix ({@code bert.}) or not (sentence-transformers saves without
 * it): a name is looked up as given, then with the prefix. Thread-safe for reads.
 */
public final class Checkpoint implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final JsonNode config;
  private final Map<String, Safetensors> byTensor;
  private final Map<Path, Safetensors> files;

  private Checkpoint(
      Path dir, JsonNode config, Map<String, Safetensors> byTensor, Map<Path, Safetensors> files) {
    this.dir = dir;
    this.config = config;
    this.byTensor = byTensor;
    this.files = files;
  }

  public static Checkpoint open(Path dir) {
    Path configFile = dir.resolve("config.json");
    if (!Files.isRegularFile(configFile)) {
      throw new IllegalArgumentException("Not a model folder: " + configFile + " is missing");
    }
    JsonNode config;
    try {
      config = JSON.readTree(configFile.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot parse " + configFile + ": " + e.getMessage(), e);
    }
    Map<Path, Safetensors> files = new LinkedHashMap<>();
    Map<String, Safetensors> byTensor = new HashMap<>();
    Path single = dir.resolve("model.safetensors");
    Path index = dir.resolve("model.safetensors.index.json");
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
          "No weights in " + dir + ": expected model.safetensors or model.safetensors.index.json");
    }
    return new Checkpoint(dir, config, byTensor, files);
  }

  public Path dir() {
    return dir;
  }

  public JsonNode config() {
    return config;
  }

  /** The tensor {@code name} (or {@code prefix + name}) as floats, checked against its shape. */
  public float[] floats(String prefix, String name, long... shape) {
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
