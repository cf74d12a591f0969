package dev.batchlm.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.LlmCache;
import dev.batchlm.table.Runs;
import dev.batchlm.table.TableSpec;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;

/**
 * A night of infer tables written by hand for the {@code inference_health} view, and the view's
 * rows as worked out by hand: the test of the view in Spark and the one in DuckDB check the same.
 */
public final class HealthNight {
  static final String COMMITTED = "20261127T010000Z-infer-aaaaaaaa";
  static final String KILLED = "20261127T020000Z-infer-bbbbbbbb";

  private HealthNight() {}

  /** A row of the table: the given columns, the rest null where allowed, else zero or empty. */
  static Row row(TableSpec spec, Object... columnsAndValues) {
    Map<String, Object> given = new HashMap<>();
    for (int i = 0; i < columnsAndValues.length; i += 2) {
      given.put((String) columnsAndValues[i], columnsAndValues[i + 1]);
    }
    List<Object> values = new ArrayList<>();
    for (StructField f : spec.schema().fields()) {
      values.add(given.containsKey(f.name()) ? given.get(f.name()) : zero(f));
    }
    return RowFactory.create(values.toArray());
  }

  static Object zero(StructField f) {
    DataType t = f.dataType();
    if (f.nullable()) {
      return null;
    } else if (t instanceof ArrayType) {
      return List.of();
    } else if (t instanceof MapType) {
      return Map.of();
    } else if (t.equals(DataTypes.StringType)) {
      return "";
    } else if (t.equals(DataTypes.LongType)) {
      return 0L;
    } else if (t.equals(DataTypes.IntegerType)) {
      return 0;
    } else if (t.equals(DataTypes.DoubleType)) {
      return 0.0;
    } else if (t.equals(DataTypes.BooleanType)) {
      return false;
    } else if (t.equals(DataTypes.TimestampType)) {
      return new Timestamp(0);
    }
    throw new IllegalArgumentException(t.toString());
  }

  static Row answered(String route, boolean hit, int attempts, long latency, boolean valid) {
    return row(
        InferenceResults.SPEC,
        "run_id",
        COMMITTED,
        "route",
        route,
        "prompt_version",
        "v1",
        "cache_hit",
        hit,
        "attempts",
        attempts,
        "latency_ms",
        latency,
        "valid",
        valid,
        "input_tokens",
        10L,
        "output_tokens",
        5L,
        "cost_usd",
        hit ? 0.0 : 0.01,
        "cost_saved_usd",
        hit ? 0.02 : 0.0,
        "device_ms",
        250.0);
  }

  static Row failed(String error, int attempts, long latency) {
    return row(
        InferenceResults.SPEC,
        "run_id",
        COMMITTED,
        "route",
        null,
        "prompt_version",
        "v1",
        "error",
        error,
        "attempts",
        attempts,
        "latency_ms",
        latency,
        "cost_usd",
        0.0,
        "cost_saved_usd",
        0.0);
  }

  static Row paid(String runId, long latency) {
    return row(
        LlmCache.SPEC,
        "run_id",
        runId,
        "route",
        "gpt",
        "latency_ms",
        latency,
        "cost_usd",
        0.1,
        "input_tokens",
        1L,
        "output_tokens",
        2L,
        "created_at",
        new Timestamp(0));
  }

  static void write(SparkSession spark, Path root, TableSpec spec, String folder, List<Row> rows) {
    spark
        .createDataFrame(rows, spec.schema())
        .write()
        .parquet(root.resolve(spec.name()).resolve(folder).toString());
  }

  /** Writes the night's inference_results, llm_cache and runs under {@code root}. */
  public static void write(SparkSession spark, Path root) {
    write(
        spark,
        root,
        InferenceResults.SPEC,
        "run_date=2026-11-27",
        List.of(
            answered("gpt", false, 1, 100, true),
            answered("gpt", false, 3, 300, true), // two retries
            answered("gpt", true, 0, 0, true),
            answered("gpt", false, 1, 400, false), // invalid after its repairs
            failed("gpt: POST https://x/v1/chat/completions: HTTP 429: slow down", 2, 200),
            failed("gpt: POST https://x: timed out; claude: POST https://y: HTTP 503: busy", 2, 50),
            failed("prompt variable {ticket} is missing", 0, 0),
            failed("gpt: not sent, the budget is spent (1.0000 USD committed; ...)", 0, 0)));
    write(
        spark,
        root,
        LlmCache.SPEC,
        ".",
        List.of(paid(COMMITTED, 100), paid(KILLED, 10), paid(KILLED, 20), paid(KILLED, 30)));
    for (String[] run : new String[][] {{COMMITTED, "succeeded"}, {KILLED, "killed"}}) {
      write(
          spark,
          root,
          Runs.SPEC,
          "run_date=2026-11-27/run_id=" + run[0],
          List.of(row(Runs.SPEC, "job", "infer", "status", run[1], "error", null)));
    }
  }

  /** Checks the view's rows, in its order, each as column name to value. */
  public static void check(List<Map<String, Object>> rows) {
    assertThat(rows).hasSize(3);
    Map<String, Object> failures = rows.get(0); // route '' sorts first
    assertThat((String) failures.get("route")).isEmpty();
    assertThat((String) failures.get("status")).isEqualTo("succeeded");
    assertThat(longs(failures, "requests", "errors", "errors_rate_limited", "errors_server"))
        .containsExactly(4L, 4L, 1L, 1L);
    assertThat(longs(failures, "errors_timeout", "errors_auth", "errors_budget", "errors_unsent"))
        .containsExactly(1L, 0L, 1L, 1L);
    assertThat(((Number) failures.get("error_rate")).doubleValue()).isEqualTo(1.0);
    assertThat(longs(failures, "retries")).containsExactly(2L);
    assertThat(((Number) failures.get("latency_p50_ms")).doubleValue())
        .isEqualTo(125.0); // of 50 and 200

    Map<String, Object> gpt = rows.get(1);
    assertThat((String) gpt.get("route")).isEqualTo("gpt");
    assertThat(longs(gpt, "requests", "cache_hits", "paid_calls", "errors", "retries", "invalid"))
        .containsExactly(4L, 1L, 3L, 0L, 2L, 1L);
    assertThat(((Number) gpt.get("cache_hit_rate")).doubleValue()).isEqualTo(0.25);
    assertThat(((Number) gpt.get("invalid_rate")).doubleValue()).isEqualTo(0.25);
    // calls' latencies 100, 300, 400 (the hit's is left out); linear interpolation at p × (n − 1)
    assertThat(((Number) gpt.get("latency_p50_ms")).doubleValue()).isEqualTo(300.0);
    assertThat(((Number) gpt.get("latency_p95_ms")).doubleValue()).isCloseTo(390.0, within(1e-9));
    assertThat(((Number) gpt.get("latency_p99_ms")).doubleValue()).isCloseTo(398.0, within(1e-9));
    assertThat(longs(gpt, "input_tokens", "output_tokens")).containsExactly(40L, 20L);
    assertThat(((Number) gpt.get("cost_usd")).doubleValue()).isCloseTo(0.03, within(1e-12));
    assertThat(((Number) gpt.get("cost_saved_usd")).doubleValue()).isCloseTo(0.02, within(1e-12));
    assertThat(((Number) gpt.get("device_seconds")).doubleValue()).isEqualTo(1.0);

    Map<String, Object> killed = rows.get(2); // from the cache: what it paid before it died
    assertThat((String) killed.get("run_id")).isEqualTo(KILLED);
    assertThat((String) killed.get("status")).isEqualTo("killed");
    assertThat((Object) killed.get("requests")).isNull();
    assertThat((Object) killed.get("prompt_name")).isNull();
    assertThat(longs(killed, "paid_calls", "input_tokens", "output_tokens"))
        .containsExactly(3L, 3L, 6L);
    assertThat(((Number) killed.get("latency_p50_ms")).doubleValue()).isEqualTo(20.0);
    assertThat(((Number) killed.get("cost_usd")).doubleValue()).isCloseTo(0.3, within(1e-12));
  }

  static List<Long> longs(Map<String, Object> row, String... columns) {
    List<Long> out = new ArrayList<>();
    for (String c : columns) {
      out.add(((Number) row.get(c)).longValue());
    }
    return out;
  }
}
