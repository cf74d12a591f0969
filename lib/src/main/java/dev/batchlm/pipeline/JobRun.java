package dev.batchlm.pipeline;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.Stages;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.RunCommit;
import dev.batchlm.table.RunManifest;
import dev.batchlm.table.TableSpec;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/** What every job run shares: its id, date, root, stage timings, counters and the output commit. */
final class JobRun {
  final SparkSession spark;
  final BatchConfig config;
  final String job;
  final String runId;
  final LocalDate runDate;
  final String root;
  final Instant started = Instant.now();
  final Stages stages;
  final RunCommit output;
  final List<String> inputs = new ArrayList<>();
  final Map<String, Object> counters = new LinkedHashMap<>();

  JobRun(SparkSession spark, String job, BatchConfig config) {
    this.spark = spark;
    this.config = config;
    this.job = job;
    this.runDate = config.runDate();
    this.root = config.getString(ConfigKeys.OUTPUT_ROOT);
    this.runId =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(started)
            + "-"
            + job
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    this.stages = new Stages(spark, job, runId);
    this.output = new RunCommit(spark, root, runId);
  }

  /**
   * The run date's partition of an input table (under ROOT, or {@code table} when given), recorded
   * as an input; a missing partition fails the job naming the path and the job to run first.
   */
  Dataset<Row> readPartition(TableSpec spec, Path table, String producer) {
    Path partition = Tables.partition(table != null ? table : Tables.table(root, spec), runDate);
    requireExists(partition, "run " + producer + " for " + runDate + " first (or set run.date)");
    inputs.add(partition.toString());
    return spark.read().schema(spec.schema()).parquet(partition.toString());
  }

  /**
   * The rows of a table's partitions this run may reuse (this date's from an earlier run and the
   * newest earlier date's), recorded as inputs; empty when there are none.
   */
  Dataset<Row> readReusable(TableSpec spec) {
    List<Path> earlier =
        Tables.reusable(
            Tables.table(root, spec), runDate, spark.sparkContext().hadoopConfiguration());
    earlier.forEach(p -> inputs.add(p.toString()));
    return earlier.stream()
        .map(p -> spark.read().schema(spec.schema()).parquet(p.toString()))
        .reduce(Dataset::unionByName)
        .orElse(spark.createDataFrame(List.of(), spec.schema()));
  }

  void requireExists(Path path, String hint) {
    requireExists(spark.sparkContext().hadoopConfiguration(), path, hint);
  }

  /** A {@link ConfigException} naming the path and the hint when nothing is there. */
  static void requireExists(Configuration hadoop, Path path, String hint) {
    try {
      if (!path.getFileSystem(hadoop).exists(path)) {
        throw new ConfigException(path + " does not exist: " + hint);
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("Cannot access " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Executor output that mixes a table's rows with {@link Quarantine} rows, told apart by width,
   * persisted once for both writes; close it when both are staged.
   */
  record Produced(Dataset<Row> rows, Dataset<Row> quarantine, JavaRDD<Row> source)
      implements AutoCloseable {
    @Override
    public void close() {
      source.unpersist();
    }
  }

  Produced split(JavaRDD<Row> produced, TableSpec spec) {
    produced.persist(StorageLevel.MEMORY_AND_DISK());
    int width = spec.schema().size();
    int quarantineWidth = Quarantine.SCHEMA.size();
    return new Produced(
        spark.createDataFrame(produced.filter(r -> r.size() == width), spec.schema()),
        spark.createDataFrame(produced.filter(r -> r.size() == quarantineWidth), Quarantine.SCHEMA),
        produced);
  }

  HadoopConf hadoopConf() {
    return new HadoopConf(spark.sparkContext().hadoopConfiguration());
  }

  /** Writes the manifest into every staged partition and makes the outputs visible. */
  void commit() {
    stages.start("commit");
    Map<String, Object> manifest =
        RunManifest.of(
            job,
            runId,
            runDate,
            config.masked(),
            inputs,
            output.rowCounts(),
            counters,
            started,
            stages.millis(),
            config.getLong(ConfigKeys.RUN_SEED, Long.MIN_VALUE));
    output.commit(manifest);
    stages.done(output.rowCounts().toString());
  }
}
