package dev.batchlm.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Where a run's files come from, by one rule: {@code bundled:NAME} is the repository's {@code
 * conf/NAME} as packed into the jar (the default of every key that names such a file: prompts,
 * prices, the embedded config), so it reads the same from any working directory, from a scheduler
 * and in cluster deploy mode; anything else is a Hadoop path ({@code file:}, {@code hdfs:}, {@code
 * s3a:}; a path without a scheme is on the local file system, relative to the working directory).
 */
public final class Resources {
  public static final String BUNDLED = "bundled:";
  private static final String PACKED = "/batchlm/conf/";

  private Resources() {}

  public static boolean isBundled(String location) {
    return location.startsWith(BUNDLED);
  }

  /** {@code name} inside the folder {@code dir}, by the same rule. */
  public static String child(String dir, String name) {
    return dir.endsWith("/") || dir.equals(BUNDLED) ? dir + name : dir + "/" + name;
  }

  /** The file's text; a {@link ConfigException} naming {@code what} and the location otherwise. */
  public static String read(String location, Configuration conf, String what) {
    return readIfExists(location, conf, what)
        .orElseThrow(
            () ->
                new ConfigException(
                    "Cannot read "
                        + what
                        + " "
                        + location
                        + (isBundled(location)
                            ? ": no such file is bundled (conf/ in the repository)"
                            : ": no such file")));
  }

  /** The file's text, or empty when there is no such file. */
  public static Optional<String> readIfExists(String location, Configuration conf, String what) {
    try {
      if (isBundled(location)) {
        try (InputStream in = Resources.class.getResourceAsStream(packed(location))) {
          return in == null ? Optional.empty() : Optional.of(text(in));
        }
      }
      Path path = new Path(location);
      FileSystem fs = path.getFileSystem(conf);
      if (!fs.exists(path) || fs.getFileStatus(path).isDirectory()) {
        return Optional.empty();
      }
      try (InputStream in = fs.open(path)) {
        return Optional.of(text(in));
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("Cannot read " + what + " " + location + ": " + e.getMessage(), e);
    }
  }

  /** Whether the folder exists (a bundled folder exists when it holds {@code probe}). */
  public static boolean folderExists(String location, String probe, Configuration conf) {
    if (isBundled(location)) {
      return Resources.class.getResource(packed(child(location, probe))) != null;
    }
    try {
      Path path = new Path(location);
      FileSystem fs = path.getFileSystem(conf);
      return fs.exists(path) && fs.getFileStatus(path).isDirectory();
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("Cannot read " + location + ": " + e.getMessage(), e);
    }
  }

  /** The last segment of the location: a prompt's or a model's name. */
  public static String name(String location) {
    String s = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
    return s.substring(Math.max(s.lastIndexOf('/'), s.lastIndexOf(':')) + 1);
  }

  private static String packed(String location) {
    return PACKED + location.substring(BUNDLED.length()).replaceFirst("^/+", "");
  }

  private static String text(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
