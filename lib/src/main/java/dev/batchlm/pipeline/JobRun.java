package dev.batchlm.pipeline;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.Stages;
import dev.batchlm.table.InputFingerprint;
import dev.batchlm.table.PriorRun;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.RunCommit;
import dev.batchlm.table.RunManifest;
import dev.batchlm.table.Runs;
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
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/** What every job run shares: its id, date, root, stage timings, counters and the output commit. */
public final class JobRun {
  public final SparkSession spark;
  public final BatchConfig config;
  public final String job;
  public final String runId;
  public final LocalDate runDate;
  public final String root;
  public final Instant started = Instant.now();
  public final Stages stages;
  public final RunCommit output;
  public final List<String> inputs = new ArrayList<>();

  /** Inputs by what they looked like when this run read them: a rerun compares ({@link #kept}). */
  public final Map<String, String> fingerprints = new LinkedHashMap<>();

  public final Map<String, Object> counters = new LinkedHashMap<>();

  /** The input records the run processed (requests, documents, chunks…), for {@code runs}. */
  public Long rowsIn;

  public JobRun(SparkSession spark, String job, BatchConfig config) {
    this.spark = spark;
    this.config = config;
    this.job = job;
    this.runDate = config.runDate();
    this.root = config.get(ConfigKeys.OUTPUT_ROOT);
    this.runId =
        DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(started)
            + "-"
            + job
            + "-"
            + UUID.randomUUID().toString().substring(0, 8);
    this.stages = new Stages(spark, job, runId);
    this.output = new RunCommit(spark, root, runId);
    RunHistory.started(this);
  }

  /**
   * This date's earlier run's result, marked kept, when that run is up to date ({@link PriorRun}:
   * same inputs, config and build, its work finished) and {@code run.force} is not set: the job
   * then returns it and runs nothing, its partitions stay. {@code table} is the job's main output.
   */
  public <R> Optional<R> kept(TableSpec table, Class<R> result) {
    return kept(table, null, result);
  }

  /**
   * {@link #kept(TableSpec, Class)} for a job that owns one value of its table's second partition
   * column ({@code within}: lora-train's adapter name).
   */
  public <R> Optional<R> kept(TableSpec table, String within, Class<R> result) {
    if (config.get(ConfigKeys.RUN_FORCE)) {
      return Optional.empty();
    }
    stages.start("up-to-date check");
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    Optional<PriorRun> prior = PriorRun.find(root, table, runDate, within, hadoop);
    Optional<String> stale = prior.flatMap(p -> p.staleBecause(job, config.masked(), hadoop));
    if (prior.isEmpty() || stale.isPresent()) {
      stages.done(
          prior.isEmpty()
              ? "no earlier run of " + runDate
              : "running: run " + prior.get().runId() + " is out of date, " + stale.get());
      return Optional.empty();
    }
    stages.done("run " + prior.get().runId() + " is up to date, its partitions are kept");
    RunHistory.ended(this, Runs.KEPT, null);
    return Optional.of(prior.get().result(result));
  }

  /** Records an input this run reads, and what it looks like as the run starts reading it. */
  public void input(String location) {
    inputs.add(location);
    fingerprints.put(
        location, InputFingerprint.of(location, spark.sparkContext().hadoopConfiguration()));
  }

  /**
   * Records a partition of this job's own table whose rows the run may carry over: an input, not
   * fingerprinted (this date's is the one the run replaces; carried rows equal recomputed ones).
   */
  public void reused(Path partition) {
    inputs.add(partition.toString());
  }

  /**
   * The run date's partition of an input table (under ROOT, or {@code table} when given), recorded
   * as an input; a missing partition fails the job naming the path and the job to run first.
   */
  public Dataset<Row> readPartition(TableSpec spec, Path table, String producer) {
    Path partition = Tables.partition(table != null ? table : Tables.table(root, spec), runDate);
    requireExists(partition, "run " + producer + " for " + runDate + " first (or set run.date)");
    input(partition.toString());
    return spark.read().schema(spec.schema()).parquet(partition.toString());
  }

  /**
   * The rows of a table's partitions this run may reuse (this date's from an earlier run and the
   * newest earlier date's), recorded as inputs; empty when there are none.
   */
  public Dataset<Row> readReusable(TableSpec spec) {
    List<Path> earlier =
        Tables.reusable(
            Tables.table(root, spec), runDate, spark.sparkContext().hadoopConfiguration());
    earlier.forEach(this::reused);
    return earlier.stream()
        .map(p -> spark.read().schema(spec.schema()).parquet(p.toString()))
        .reduce(Dataset::unionByName)
        .orElse(spark.createDataFrame(List.of(), spec.schema()));
  }

  public void requireExists(Path path, String hint) {
    requireExists(spark.sparkContext().hadoopConfiguration(), path, hint);
  }

  /** A {@link ConfigException} naming the path and the hint when nothing is there. */
  public static void requireExists(Configuration hadoop, Path path, String hint) {
    try {
      if (!path.getFileSystem(hadoop).exists(path)) {
        throw new ConfigException(path + " does not exist: " + hint);
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new ConfigException("Cannot access " + path + ": " + e.getMessage(), e);
    }
  }

  /** What an executor step makes of an input: a table row, or the input's quarantine row. */
  public record Output(Row row, Row quarantined) implements java.io.Serializable {
    public static Output row(Row row) {
      return new Output(row, null);
    }

    /** A {@link Quarantine#row}. */
    public static Output quarantined(Row row) {
      return new Output(null, row);
    }
  }

  /**
   * Executor output split into the table's rows and the {@link Quarantine} rows, persisted once for
   * both writes; close it when both are staged.
   */
  public record Produced(Dataset<Row> rows, Dataset<Row> quarantine, JavaRDD<Output> source)
      implements AutoCloseable {
    @Override
    public void close() {
      source.unpersist();
    }
  }

  public Produced split(JavaRDD<Output> produced, TableSpec spec) {
    produced.persist(StorageLevel.MEMORY_AND_DISK());
    return new Produced(
        spark.createDataFrame(
            produced.filter(o -> o.row() != null).map(Output::row), spec.schema()),
        spark.createDataFrame(
            produced.filter(o -> o.quarantined() != null).map(Output::quarantined),
            Quarantine.SCHEMA),
        produced);
  }

  public HadoopConf hadoopConf() {
    return new HadoopConf(spark.sparkContext().hadoopConfiguration());
  }

  /**
   * Writes the manifest, with the job's result, into every staged partition and makes the outputs
   * visible; {@code complete} is false when the run left work a rerun would do (failed calls).
   */
  public <R> R commit(R result, boolean complete) {
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
            config.get(ConfigKeys.RUN_SEED));
    manifest.put("fingerprints", fingerprints);
    manifest.put("outputs", output.outputs());
    manifest.put("complete", complete);
    manifest.put("result", result);
    output.commit(manifest);
    stages.done(output.rowCounts().toString());
    RunHistory.ended(this, complete ? Runs.SUCCEEDED : Runs.INCOMPLETE, null);
    return result;
  }
}
