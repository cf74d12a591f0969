package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Option;

/** The options every job takes; turned into a {@link BatchConfig} with the Spark properties. */
public final class JobOptions {
  /** The embedded default when no --conf is given: conf/local.conf, packed into the jar. */
  static final String EMBEDDED_DEFAULT = "/batchlm/conf/local.conf";

  @Option(
      names = "--conf",
      paramLabel = "FILE",
      description =
          "HOCON (.conf) or YAML (.yaml) config file, any Hadoop path (default: conf/local.conf)")
  String confFile;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Override one key (repeatable); also: spark-submit --conf spark.batchlm.KEY=VALUE")
  List<String> sets = new ArrayList<>();

  @Option(
      names = "--input",
      paramLabel = "PATH",
      description = "The job's input (sets <job>.input)")
  String input;

  @Option(names = "--output", paramLabel = "ROOT", description = "Tables root (sets output.root)")
  String output;

  @Option(names = "--run-date", paramLabel = "YYYY-MM-DD", description = "Sets run.date")
  String runDate;

  /** File, then Spark properties, then --set and the shortcut options, lowest precedence first. */
  BatchConfig load(String job, Map<String, String> sparkProperties) {
    List<BatchConfig.Layer> layers = new ArrayList<>();
    layers.add(readConfFile());
    layers.add(BatchConfig.fromSparkProperties(sparkProperties));
    Map<String, String> shortcuts = new TreeMap<>();
    if (input != null) {
      shortcuts.put(job + ".input", quote(input));
    }
    if (output != null) {
      shortcuts.put("output.root", quote(output));
    }
    if (runDate != null) {
      shortcuts.put("run.date", quote(runDate));
    }
    layers.add(BatchConfig.parseSets(sets));
    layers.add(BatchConfig.parsePairs("command line", shortcuts));
    return BatchConfig.load(layers);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private BatchConfig.Layer readConfFile() {
    if (confFile == null) {
      try (InputStream in = JobOptions.class.getResourceAsStream(EMBEDDED_DEFAULT)) {
        if (in == null) {
          return BatchConfig.parsePairs("defaults", Map.of());
        }
        return BatchConfig.parseFile(
            "conf/local.conf (embedded)", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new ConfigException("Cannot read the embedded conf/local.conf: " + e.getMessage(), e);
      }
    }
    Path path = new Path(confFile);
    try (InputStream in = path.getFileSystem(new Configuration()).open(path)) {
      return BatchConfig.parseFile(confFile, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + confFile + ": " + e.getMessage(), e);
    }
  }
}
