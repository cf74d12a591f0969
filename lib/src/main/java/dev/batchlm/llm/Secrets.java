package dev.batchlm.llm;

import dev.batchlm.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Reads a route's API key from the environment variable or file (any Hadoop path) it names. Called
 * on the driver before any call, so that a missing key fails the run at once, and again on each
 * executor (the key never travels inside Spark). Messages name the variable or file, never a key.
 */
public final class Secrets {
  private Secrets() {}

  /** The key, or null when the route names no source (a server without authentication). */
  public static String apiKey(Route route, Configuration conf) {
    if (!route.apiKeyEnv().isEmpty()) {
      String key = System.getenv(route.apiKeyEnv());
      if (key == null || key.isBlank()) {
        throw new ConfigException(
            "Route "
                + route.name()
                + ": environment variable "
                + route.apiKeyEnv()
                + " is not set (it should hold the API key; on a cluster set it on the"
                + " executors too, e.g. spark.executorEnv."
                + route.apiKeyEnv()
                + ", or use api-key-file)");
      }
      return key.trim();
    }
    if (!route.apiKeyFile().isEmpty()) {
      Path path = new Path(route.apiKeyFile());
      try (InputStream in = path.getFileSystem(conf).open(path)) {
        String key = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        if (key.isEmpty()) {
          throw new ConfigException(
              "Route " + route.name() + ": API key file " + path + " is empty");
        }
        return key;
      } catch (IOException e) {
        throw new ConfigException(
            "Route "
                + route.name()
                + ": cannot read API key file "
                + path
                + ": "
                + e.getClass().getSimpleName(),
            e);
      }
    }
    if (route.provider().equals(AnthropicChatModel.FAMILY)) {
      throw new ConfigException(
          "Route "
              + route.name()
              + ": Anthropic needs an API key: set api-key-env or api-key-file");
    }
    return null;
  }
}
