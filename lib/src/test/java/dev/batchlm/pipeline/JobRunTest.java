package dev.batchlm.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.Runs;
import dev.batchlm.table.TableSpec;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobRunTest {
  /**
   * One column, like the quarantine's first: rows are told apart by what they are, not by width.
   */
  static final TableSpec NAMES =
      new TableSpec("names", new StructType().add("name", DataTypes.StringType), List.of());

  @TempDir Path tmp;

  BatchConfig config(String runDate) {
    return BatchConfig.load(
        List.of(
            BatchConfig.parseSets(
                List.of("output.root=\"" + tmp.resolve("out") + "\"", "run.date=" + runDate))));
  }

  @Test
  void executorOutputSplitsIntoTableRowsAndQuarantineRows() {
    SparkSession spark = LocalSpark.session();
    JobRun run = new JobRun(spark, "test", config("2026-11-27"));
    Timestamp now = new Timestamp(0);
    List<JobRun.Output> outputs =
        List.of(
            JobRun.Output.row(RowFactory.create("a")),
            JobRun.Output.quarantined(Quarantine.row("r", "f.md", "corrupt", "bad", now)),
            JobRun.Output.row(RowFactory.create("b")));
    try (JobRun.Produced out =
        run.split(
            JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(outputs, 2),
            NAMES)) {
      assertThat(out.rows().as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
          .containsExactlyInAnyOrder("a", "b");
      assertThat(out.quarantine().select(Quarantine.SOURCE).first().getString(0)).isEqualTo("f.md");
    }
  }

  /** The runs table's rows of a date, by run id. */
  Map<String, Row> runs(SparkSession spark, String runDate) {
    Map<String, Row> out = new TreeMap<>();
    spark
        .read()
        .parquet(tmp.resolve("out/runs/run_date=" + runDate).toString())
        .collectAsList()
        .forEach(r -> out.put(r.getAs(Runs.RUN_ID), r));
    return out;
  }

  @Test
  void everyRunHasARowFromItsStartToItsEnd() {
    SparkSession spark = LocalSpark.session();
    JobRun committed = new JobRun(spark, "test", config("2026-11-28"));
    assertThat(runs(spark, "2026-11-28").get(committed.runId).<String>getAs(Runs.STATUS))
        .isEqualTo("running");
    TableSpec dated = new TableSpec("names", NAMES.schema(), List.of("run_date"));
    committed.output.stage(
        dated,
        spark.createDataFrame(List.of(RowFactory.create("a")), NAMES.schema()),
        "2026-11-28");
    committed.output.stage(
        Quarantine.SPEC,
        spark.createDataFrame(
            List.of(Quarantine.row("r", "f.md", "corrupt", "bad", new Timestamp(0))),
            Quarantine.SCHEMA),
        "2026-11-28",
        "test");
    committed.rowsIn = 2L;
    committed.stages.start("work");
    committed.stages.done("done");
    committed.commit("ok", false);

    JobRun killed = new JobRun(spark, "test", config("2026-11-28")); // never ends
    JobRun failed = new JobRun(spark, "test", config("2026-11-28"));
    RunHistory.endOpen(new IllegalStateException("boom", new RuntimeException("disk full")));

    Map<String, Row> rows = runs(spark, "2026-11-28");
    assertThat(rows).containsOnlyKeys(committed.runId, killed.runId, failed.runId);
    Row c = rows.get(committed.runId);
    assertThat(c.<String>getAs(Runs.STATUS)).isEqualTo("incomplete");
    assertThat(c.<String>getAs(Runs.JOB)).isEqualTo("test");
    assertThat(c.<Long>getAs(Runs.ROWS_IN)).isEqualTo(2L);
    assertThat(c.<Long>getAs(Runs.QUARANTINED)).isEqualTo(1L);
    assertThat(c.getJavaMap(c.fieldIndex(Runs.ROWS_OUT)))
        .isEqualTo(Map.of("names", 1L, "quarantine", 1L));
    assertThat(c.getJavaMap(c.fieldIndex(Runs.STAGES_MS))).containsOnlyKeys("work", "commit");
    Timestamp started = c.getAs(Runs.STARTED_AT);
    Timestamp finished = c.getAs(Runs.FINISHED_AT);
    assertThat(c.<Long>getAs(Runs.DURATION_MS))
        .isCloseTo(finished.getTime() - started.getTime(), within(1L)); // micros truncated
    assertThat(c.<String>getAs(Runs.CONFIG_HASH))
        .hasSize(16)
        .isEqualTo(rows.get(failed.runId).getAs(Runs.CONFIG_HASH));
    assertThat(c.<String>getAs(Runs.COUNTERS)).isEqualTo("{ }");

    // the second run found the first's row running when it started: its driver is gone
    Row k = rows.get(killed.runId);
    assertThat(k.<String>getAs(Runs.STATUS)).isEqualTo("killed");
    assertThat(k.<String>getAs(Runs.ERROR)).contains("found by run " + failed.runId);
    assertThat(k.<Timestamp>getAs(Runs.FINISHED_AT)).isNull();
    assertThat(k.<Timestamp>getAs(Runs.STARTED_AT).toInstant())
        .isEqualTo(killed.started.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));

    Row f = rows.get(failed.runId);
    assertThat(f.<String>getAs(Runs.STATUS)).isEqualTo("failed");
    assertThat(f.<String>getAs(Runs.ERROR)).isEqualTo("boom <- disk full");
  }

  @Test
  void configHashIgnoresTheRunDate() {
    assertThat(RunHistory.configHash(config("2026-11-27").masked()))
        .isEqualTo(RunHistory.configHash(config("2026-11-28").masked()))
        .isNotEqualTo(RunHistory.configHash(BatchConfig.defaultsOnly().masked()));
  }
}
