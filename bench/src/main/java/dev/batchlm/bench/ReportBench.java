package dev.batchlm.bench;

import static org.apache.spark.sql.functions.col;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.monitor.MonitoringReport;
import dev.batchlm.pipeline.report.ReportAction;
import dev.batchlm.testing.LocalSpark;
import dev.batchlm.testing.ReportHistory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The monitoring report over generated history ({@link ReportHistory}: N requests a night, every
 * night's runs, eval summary, quarantine, ft-prep funnel and LoRA steps) for windows of growing
 * length: each run's time, the page's size, and the largest heap left after any garbage collection
 * during the run (driver and executors share this JVM, so it bounds what the driver holds). The
 * baseline, in the same JVM: a plain Spark scan and aggregation of the window's inference_results
 * columns the report reads, the least any report over these rows costs; and the report's heaviest
 * part, the {@code inference_health} view, alone in Spark and in DuckDB (the analysts' engine, the
 * same SQL text) over the same files.
 *
 * <p>Usage: {@code ReportBench generate ROOT NIGHTS REQUESTS_A_NIGHT}, then {@code ReportBench
 * measure ROOT NIGHTS} in a fresh JVM (so that the writing JVM's state does not weigh on the
 * measurement).
 */
public final class ReportBench {
  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    Path root = Path.of(args[1]);
    int nights = Integer.parseInt(args[2]);
    LocalDate first = LocalDate.of(2026, 10, 29);
    LocalDate last = first.plusDays(nights - 1L);
    SparkSession spark =
        LocalSpark.builder("local[2]").config("spark.sql.shuffle.partitions", "8").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    if (args[0].equals("generate")) {
      long n = Long.parseLong(args[3]);
      long t0 = System.nanoTime();
      ReportHistory.write(spark, root, first, nights, n, 5);
      System.out.printf(
          "%d nights of %,d requests written in %.1f s (inference_results %,d MiB, llm_cache %,d"
              + " MiB)%n",
          nights,
          n,
          (System.nanoTime() - t0) / 1e9,
          size(root.resolve("inference_results")) >> 20,
          size(root.resolve("llm_cache")) >> 20);
    } else {
      for (int days : List.of(7, 15, nights)) {
        LocalDate from = last.minusDays(days - 1L);
        baseline(spark, root, from, last);
        sparkHealth(spark, root, last, days);
        duckDbHealth(root, from, last);
        report(spark, root, last, days);
      }
    }
    spark.stop();
  }

  /** Reads the window's columns the report aggregates and sums them per night and route. */
  private static void baseline(SparkSession spark, Path root, LocalDate from, LocalDate to) {
    HeapAfterGc.reset();
    long t0 = System.nanoTime();
    long groups =
        spark
            .read()
            .parquet(root.resolve("inference_results").toString())
            .where(col("run_date").between(from, to))
            .groupBy("run_date", "route")
            .agg(
                Map.of(
                    "cost_usd", "sum",
                    "latency_ms", "max",
                    "cache_hit", "count",
                    "input_tokens", "sum",
                    "error", "count"))
            .collectAsList()
            .size();
    System.out.printf(
        "  baseline, plain scan and aggregate of %s..%s: %.1f s (%d groups); heap after GC %d MiB%n",
        from, to, (System.nanoTime() - t0) / 1e9, groups, HeapAfterGc.peakMib());
  }

  /** The inference_health view alone, its rows collected, over the window's tables. */
  private static void sparkHealth(SparkSession spark, Path root, LocalDate last, int days) {
    ReportAction.register(
            spark, root.toString(), new MonitoringReport.Window(last, days, 14, 3, 0.5))
        .unpersist(); // registers the tables and the view; nothing is computed yet
    long t0 = System.nanoTime();
    int rows = spark.table("inference_health").collectAsList().size();
    System.out.printf(
        "  inference_health in Spark: %.1f s (%d rows)%n", (System.nanoTime() - t0) / 1e9, rows);
  }

  /** The same view's SQL in DuckDB (2 threads, as Spark's local[2]) over the same files. */
  private static void duckDbHealth(Path root, LocalDate from, LocalDate to) throws Exception {
    String sql = Files.readString(Path.of("conf/views/inference_health.sql"));
    String nights = " WHERE run_date BETWEEN DATE '" + from + "' AND DATE '" + to + "'";
    long t0 = System.nanoTime();
    long rows = 0;
    String version;
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement st = c.createStatement()) {
      version = c.getMetaData().getDatabaseProductVersion();
      st.execute("SET threads = 2");
      st.execute(
          "CREATE VIEW inference_results AS SELECT * FROM read_parquet('"
              + root.resolve("inference_results")
              + "/*/*.parquet', hive_partitioning = true)"
              + nights);
      st.execute(
          "CREATE VIEW runs AS SELECT * FROM read_parquet('"
              + root.resolve("runs")
              + "/*/*/*.parquet', hive_partitioning = true)"
              + nights);
      st.execute(
          "CREATE VIEW llm_cache AS SELECT * FROM read_parquet('"
              + root.resolve("llm_cache")
              + "/*.parquet')");
      try (ResultSet rs = st.executeQuery(sql)) {
        while (rs.next()) {
          rows++;
        }
      }
    }
    System.out.printf(
        "  inference_health in DuckDB %s: %.1f s (%d rows)%n",
        version, (System.nanoTime() - t0) / 1e9, rows);
  }

  private static void report(SparkSession spark, Path root, LocalDate last, int days)
      throws Exception {
    Map<String, String> pairs = new java.util.LinkedHashMap<>();
    pairs.put("output.root", "\"" + root + "\"");
    pairs.put("run.date", last.toString());
    pairs.put("report.days", String.valueOf(days));
    BatchConfig config = BatchConfig.load(List.of(BatchConfig.parsePairs("bench", pairs)));
    HeapAfterGc.reset();
    long t0 = System.nanoTime();
    ReportAction.Result r = ReportAction.run(spark, config);
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "report over %d nights: %.1f s, page %,d KiB, %d charts, %d flags; largest heap after a"
            + " GC during the run %d MiB%n",
        days,
        s,
        Files.size(Path.of(r.path())) >> 10,
        r.charts(),
        r.flags().size(),
        HeapAfterGc.peakMib());
    r.flags().forEach(f -> System.out.println("  FLAG " + f));
  }

  private static long size(Path dir) throws Exception {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
