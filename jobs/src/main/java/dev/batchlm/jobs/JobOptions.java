package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.Resources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Option;

/** The options every job takes; turned into a {@link BatchConfig} with the Spark properties. */
public final class JobOptions {
  /** The embedded default when no --conf is given: conf/local.conf, packed into the jar. */
  static final String EMBEDDED_DEFAULT = Resources.BUNDLED + "local.conf";

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

  @Option(
      names = "--force",
      description = "Run even when this date's outputs are up to date (sets run.force)")
  boolean force;

  /** File, then Spark properties, then --set and the shortcut options, lowest precedence first. */
  BatchConfig load(String job, Map<String, String> sparkProperties) {
    List<BatchConfig.Layer> layers = new ArrayList<>();
    layers.add(readConfFile());
    layers.add(BatchConfig.fromSparkProperties(sparkProperties));
    Map<String, String> shortcuts = new TreeMap<>();
    if (input != null) {
      shortcuts.put(job + ".input", BatchConfig.quoted(input));
    }
    if (output != null) {
      shortcuts.put("output.root", BatchConfig.quoted(output));
    }
    if (runDate != null) {
      shortcuts.put("run.date", BatchConfig.quoted(runDate));
    }
    if (force) {
      shortcuts.put("run.force", "true");
    }
    layers.add(BatchConfig.parseSets(sets));
    layers.add(BatchConfig.parsePairs("command line", shortcuts));
    return BatchConfig.load(layers);
  }

  private BatchConfig.Layer readConfFile() {
    String at = confFile == null ? EMBEDDED_DEFAULT : confFile;
    return BatchConfig.parseFile(at, Resources.read(at, new Configuration(), "config file"));
  }
}
