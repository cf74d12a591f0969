package dev.batchlm.testing;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.batchlm.table.EvalSummary;
import dev.batchlm.table.FinetuneReport;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.LlmCache;
import dev.batchlm.table.LoraMetrics;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.Runs;
import dev.batchlm.table.TableSpec;
import java.nio.file.Path;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * Nights of history for the monitoring report, made by formula so that their values can be worked
 * out by hand (the report's test) and made large (its bench); each table is one partitioned write.
 * Request {@code id} of {@code n} a night: no route answers {@code id % 100 < e} (e is 1, and
 * {@code lastErrorPercent} on the last night: an HTTP 503); else even ids go to route {@code gpt}
 * (0.001 USD a call), odd ones to {@code claude} (0.002 USD), and {@code id % 4 == 1} is a cache
 * hit. Calls take {@code 100 + 10 × (id % 10)} ms. Every night also has its runs, an eval summary,
 * quarantined inputs, an ft-prep funnel and a LoRA run; the last night an infer run that never
 * ended.
 */
public final class ReportHistory {
  public static final String PROMPT_VERSION = "abcdef0123456789";

  private ReportHistory() {}

  public static void write(
      SparkSession spark, Path root, LocalDate first, int nights, long n, int lastErrorPercent) {
    inference(spark, root, first, nights, n, lastErrorPercent);
    List<Row> runs = new ArrayList<>();
    List<Row> evals = new ArrayList<>();
    List<Row> quarantined = new ArrayList<>();
    List<Row> funnel = new ArrayList<>();
    List<Row> steps = new ArrayList<>();
    double[] loss = {2.0, 1.8, 1.5, 1.3};
    for (int i = 0; i < nights; i++) {
      LocalDate night = first.plusDays(i);
      runs.add(run("ingest", night, 1, "succeeded", 20_000L + 1000 * (i % 3)));
      runs.add(run("infer", night, 2, "succeeded", 60_000L + 1000 * (i % 3)));
      evals.add(evalSummary(night, 3, 0.60 + 0.01 * (i % 3)));
      if (i == 2) { // an earlier eval run of the same night: the report charts the later one
        evals.add(evalSummary(night, 0, 0.10));
      }
      Row encrypted = HealthNight.row(Quarantine.SPEC, "run_id", "q", "error_class", "encrypted");
      quarantined.add(partitioned(encrypted, night, "ingest"));
      quarantined.add(partitioned(encrypted, night, "ingest"));
      funnel.add(stage(night, 1, "read", 100));
      funnel.add(stage(night, 2, "filter", 80 + i));
      for (int s = 0; s < loss.length; s++) {
        Row step =
            HealthNight.row(
                LoraMetrics.SPEC,
                "adapter",
                "support",
                "step",
                s,
                "epoch",
                s / 2,
                "loss",
                loss[s],
                "validation_loss",
                s == 3 ? 1.6 : null);
        steps.add(partitioned(step, night)); // adapter, its second partition, is a column
      }
    }
    runs.add(run("infer", first.plusDays(nights - 1L), 0, "killed", null));
    write(spark, root, Runs.SPEC, runs);
    write(spark, root, EvalSummary.SPEC, evals);
    write(spark, root, Quarantine.SPEC, quarantined);
    write(spark, root, FinetuneReport.SPEC, funnel);
    write(spark, root, LoraMetrics.SPEC, steps);
  }

  /** {@code 20261127T0H0000Z-job-0000000H}: runs of a night sort by the hour given. */
  static String runId(LocalDate night, int hour, String job) {
    return night.toString().replace("-", "") + "T0" + hour + "0000Z-" + job + "-0000000" + hour;
  }

  static Row run(String job, LocalDate night, int hour, String status, Long durationMs) {
    Row row =
        HealthNight.row(
            Runs.SPEC,
            "job",
            job,
            "status",
            status,
            "error",
            null,
            "duration_ms",
            durationMs,
            "started_at",
            Timestamp.from(night.atTime(hour, 0).toInstant(ZoneOffset.UTC)));
    return partitioned(row, night, runId(night, hour, job));
  }

  static Row evalSummary(LocalDate night, int hour, double mean) {
    Row row =
        HealthNight.row(
            EvalSummary.SPEC,
            "kind",
            "answer",
            "system",
            "gpt",
            "metric",
            "f1",
            "slice",
            "all",
            "n",
            50L,
            "expected",
            50L,
            "mean",
            mean,
            "ci_low",
            mean - 0.05,
            "ci_high",
            mean + 0.05);
    return partitioned(row, night, runId(night, hour, "eval"));
  }

  static Row stage(LocalDate night, int step, String stage, long count) {
    Row row =
        HealthNight.row(
            FinetuneReport.SPEC, "step", step, "stage", stage, "outcome", "kept", "count", count);
    return partitioned(row, night);
  }

  /** The row with its partition values appended, as {@link #write} takes it. */
  static Row partitioned(Row row, LocalDate night, Object... more) {
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < row.length(); i++) {
      values.add(row.get(i));
    }
    values.add(Date.valueOf(night));
    values.addAll(List.of(more));
    return RowFactory.create(values.toArray());
  }

  /** Rows of the table with their partition values, written partitioned. */
  static void write(SparkSession spark, Path root, TableSpec spec, List<Row> rows) {
    spark
        .createDataFrame(rows, spec.readSchema())
        .write()
        .partitionBy(spec.partitionColumns().toArray(String[]::new))
        .parquet(root.resolve(spec.name()).toString());
  }

  /**
   * Every night's requests in one write: row {@code i} is request {@code i % n} of night {@code i /
   * n}.
   */
  private static void inference(
      SparkSession spark, Path root, LocalDate first, int nights, long n, int lastErrorPercent) {
    Dataset<Row> ids =
        spark
            .range((long) nights * n)
            .selectExpr(
                "id % " + n + " AS id",
                "CAST(id DIV " + n + " AS INT) AS night",
                "date_add(DATE'" + first + "', CAST(id DIV " + n + " AS INT)) AS run_date");
    String error =
        "id % 100 < CASE WHEN night = "
            + (nights - 1)
            + " THEN "
            + lastErrorPercent
            + " ELSE 1 END";
    String hit = "NOT (" + error + ") AND id % 4 = 1";
    Dataset<Row> rows =
        rows(
            ids,
            InferenceResults.SPEC,
            Map.ofEntries(
                Map.entry(
                    "run_id",
                    expr("concat(date_format(run_date, 'yyyyMMdd'), 'T020000Z-infer-00000002')")),
                Map.entry("request_id", expr("concat('r', id)")),
                Map.entry("prompt_name", lit("classify")),
                Map.entry("prompt_version", lit(PROMPT_VERSION)),
                Map.entry(
                    "route",
                    expr(
                        "CASE WHEN "
                            + error
                            + " THEN NULL WHEN id % 2 = 0 THEN 'gpt' ELSE 'claude' END")),
                Map.entry("cache_hit", expr(hit)),
                Map.entry("valid", lit(true)),
                Map.entry("attempts", expr("CASE WHEN " + hit + " THEN 0 ELSE 1 END")),
                Map.entry(
                    "latency_ms",
                    expr("CASE WHEN " + hit + " THEN 0 ELSE 100 + 10 * (id % 10) END")),
                Map.entry("input_tokens", lit(100L)),
                Map.entry("output_tokens", lit(10L)),
                Map.entry(
                    "cost_usd",
                    expr(
                        "CASE WHEN "
                            + hit
                            + " OR "
                            + error
                            + " THEN 0.0 WHEN id % 2 = 0 THEN 0.001 ELSE 0.002 END")),
                Map.entry("cost_saved_usd", expr("CASE WHEN " + hit + " THEN 0.002 ELSE 0.0 END")),
                Map.entry(
                    "error",
                    expr(
                        "CASE WHEN "
                            + error
                            + " THEN 'gpt: POST https://x/v1/chat/completions: HTTP 503: busy'"
                            + " END"))),
            col("run_date"));
    rows.write().partitionBy("run_date").parquet(root.resolve("inference_results").toString());
    rows(
            rows.where("NOT cache_hit AND error IS NULL"),
            LlmCache.SPEC,
            Map.of(
                "cache_key", expr("concat(run_id, request_id)"),
                "route", col("route"),
                "cost_usd", col("cost_usd"),
                "latency_ms", col("latency_ms"),
                "request_id", col("request_id"),
                "run_id", col("run_id"),
                "created_at", expr("CAST(run_date AS TIMESTAMP) + INTERVAL 2 HOURS")))
        .write()
        .parquet(root.resolve("llm_cache").toString());
  }

  /**
   * {@code source}'s rows as the table's: the columns given, the others null or zero; then more.
   */
  private static Dataset<Row> rows(
      Dataset<Row> source, TableSpec spec, Map<String, Column> given, Column... more) {
    List<Column> columns = new ArrayList<>();
    for (StructField f : spec.schema().fields()) {
      Column c = given.containsKey(f.name()) ? given.get(f.name()) : zero(f);
      columns.add(c.cast(f.dataType()).as(f.name()));
    }
    columns.addAll(List.of(more));
    return source.select(columns.toArray(Column[]::new));
  }

  private static Column zero(StructField f) {
    DataType t = f.dataType();
    if (f.nullable()) {
      return lit(null);
    } else if (t instanceof ArrayType) {
      return array();
    } else if (t.equals(DataTypes.StringType)) {
      return lit("");
    } else if (t.equals(DataTypes.BooleanType)) {
      return lit(false);
    } else if (t.equals(DataTypes.TimestampType)) {
      return lit(new Timestamp(0));
    }
    return lit(0);
  }
}
