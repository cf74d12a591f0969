package dev.batchlm.pipeline;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.Stages;
import dev.batchlm.table.RunCommit;
import dev.batchlm.table.RunManifest;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.SparkSession;

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
