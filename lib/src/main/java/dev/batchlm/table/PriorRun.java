package dev.batchlm.table;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.config.ConfigKey;
import dev.batchlm.config.ConfigKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The newest committed run of a job for a date, as its {@code _run.json} tells it, and whether it
 * is up to date: a rerun with the same inputs, config and build would write what it wrote, so its
 * partitions can be kept and nothing run again. A run that left work undone (failed calls, an
 * endpoint's quarantined chunks) is never up to date: its rerun does what is missing.
 */
public final class PriorRun {
  private final Path root;
  private final JsonNode manifest;

  private PriorRun(Path root, JsonNode manifest) {
    this.root = root;
    this.manifest = manifest;
  }

  /**
   * The run that wrote {@code table}'s partition of {@code date} (of a table partitioned by run id
   * too, the newest run's), if one was committed.
   */
  public static Optional<PriorRun> find(
      String root, TableSpec table, LocalDate date, Configuration conf) {
    return find(root, table, date, null, conf);
  }

  /**
   * The run recorded in the date's partition; {@code within} names the value of the table's second
   * partition column when a job owns one of them ({@code lora_metrics}: its adapter), else the
   * newest of them is taken.
   */
  public static Optional<PriorRun> find(
      String root, TableSpec table, LocalDate date, String within, Configuration conf) {
    Path partition = Tables.partition(Tables.table(root, table), date);
    if (within != null) {
      partition = new Path(partition, table.partitionColumns().get(1) + "=" + within);
    }
    try {
      FileSystem fs = partition.getFileSystem(conf);
      if (!fs.exists(partition)) {
        return Optional.empty();
      }
      if (within == null && table.partitionColumns().size() > 1) {
        // run_date=D/run_id=R: run ids start with their UTC start time, so the greatest is newest
        Optional<Path> newest =
            Arrays.stream(fs.listStatus(partition))
                .filter(FileStatus::isDirectory)
                .map(FileStatus::getPath)
                .filter(p -> exists(fs, manifestOf(p)))
                .max(Comparator.comparing(Path::getName));
        if (newest.isEmpty()) {
          return Optional.empty();
        }
        partition = newest.get();
      }
      return read(fs, manifestOf(partition)).map(m -> new PriorRun(new Path(root), m));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + partition + ": " + e.getMessage(), e);
    }
  }

  public String runId() {
    return manifest.path("run_id").asText();
  }

  /**
   * Why this run cannot stand for a run of {@code job} now, with this masked config; empty when it
   * can: it finished its work, with the same build and config, every input it fingerprinted looks
   * as it did, and every partition it wrote is still its own.
   */
  public Optional<String> staleBecause(
      String job, Map<String, Object> maskedConfig, Configuration conf) {
    if (!job.equals(manifest.path("job").asText()) || !manifest.has("result")) {
      return Optional.of("it was another job's, or written before runs were kept");
    }
    if (!manifest.path("complete").asBoolean(false)) {
      return Optional.of("it left work undone (failed calls or quarantined endpoint errors)");
    }
    if (!RunManifest.tree(RunManifest.build()).equals(manifest.get("build"))) {
      return Optional.of("the build changed");
    }
    JsonNode config = compared(job, RunManifest.tree(maskedConfig));
    JsonNode then = compared(job, manifest.get("config"));
    if (!config.equals(then)) {
      return Optional.of("the config changed: " + difference(config, then));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = manifest.path("fingerprints").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> input = it.next();
      String now;
      try {
        now = InputFingerprint.of(input.getKey(), conf);
      } catch (UncheckedIOException e) {
        return Optional.of(e.getMessage());
      }
      if (!now.equals(input.getValue().asText())) {
        return Optional.of(input.getKey() + " changed");
      }
    }
    for (JsonNode output : manifest.path("outputs")) {
      Path partition = new Path(root, output.asText());
      try {
        Optional<JsonNode> there = read(partition.getFileSystem(conf), manifestOf(partition));
        if (there.isEmpty() || !there.get().path("run_id").asText().equals(runId())) {
          return Optional.of(partition + " was replaced or removed");
        }
      } catch (IOException e) {
        return Optional.of("cannot read " + partition + ": " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** The result the run returned, marked kept (its component {@code kept} set). */
  public <R> R result(Class<R> type) {
    ObjectNode result = ((ObjectNode) manifest.get("result")).deepCopy();
    result.put("kept", true);
    return RunManifest.JSON.convertValue(result, type);
  }

  /** The keys the job reads ({@link ConfigKeys#forJob}), but {@code run.force}. */
  private static ObjectNode compared(String job, JsonNode config) {
    ObjectNode out = RunManifest.JSON.createObjectNode();
    for (ConfigKey k : ConfigKeys.forJob(job)) {
      // run.date names the partition the prior run was found in; set or defaulted, it is the same
      if (config != null
          && config.has(k.name())
          && k != ConfigKeys.RUN_FORCE
          && k != ConfigKeys.RUN_DATE) {
        out.set(k.name(), config.get(k.name()));
      }
    }
    return out;
  }

  /** The keys whose values differ, by name (values may be long). */
  private static String difference(JsonNode now, JsonNode then) {
    java.util.Set<String> keys = new java.util.TreeSet<>();
    now.fieldNames().forEachRemaining(keys::add);
    then.fieldNames().forEachRemaining(keys::add);
    keys.removeIf(k -> now.path(k).equals(then.path(k)));
    return String.join(", ", keys);
  }

  private static Path manifestOf(Path partition) {
    return new Path(partition, RunManifest.FILE);
  }

  private static boolean exists(FileSystem fs, Path p) {
    try {
      return fs.exists(p);
    } catch (IOException e) {
      return false;
    }
  }

  private static Optional<JsonNode> read(FileSystem fs, Path manifest) throws IOException {
    if (!fs.exists(manifest)) {
      return Optional.empty();
    }
    try (InputStream in = fs.open(manifest)) {
      return Optional.of(RunManifest.JSON.readTree(in));
    }
  }
}
