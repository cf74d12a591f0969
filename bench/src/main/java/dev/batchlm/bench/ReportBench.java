package dev.batchlm.bench;

import static org.apache.spark.sql.functions.col;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.report.ReportAction;
import dev.batchlm.testing.LocalSpark;
import dev.batchlm.testing.ReportHistory;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * columns the report reads, the least any report over these rows costs.
 *
 * <p>Usage: {@code ReportBench [nights, default 30] [requests a night, default 1000000]}.
 */
public final class ReportBench {
  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    int nights = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    long n = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000;
    SparkSession spark =
        LocalSpark.builder("local[2]").config("spark.sql.shuffle.partitions", "8").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    Path root = Files.createTempDirectory("bench-report").resolve("out");
    LocalDate first = LocalDate.of(2026, 10, 29);
    LocalDate last = first.plusDays(nights - 1L);
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
    for (int days : List.of(7, 15, nights)) {
      baseline(spark, root, last.minusDays(days - 1L), last);
      report(spark, root, last, days);
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
