package dev.batchlm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.eval.EvalAction;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The eval job end to end on N synthetic answers (local Spark, 2 threads): scoring, summaries with
 * bootstrap intervals per metric and per tag slice, then a second run against the first as its
 * baseline. Reports each run's time, its summarize stage, and the largest heap left after any
 * garbage collection during the run (driver and executors share this JVM, so it bounds what the
 * driver holds).
 *
 * <p>Usage: {@code EvalJobBench [N, default 1000000] [metrics, default exact_match,f1,bleu]}.
 */
public final class EvalJobBench {
  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    String metrics = args.length > 1 ? args[1] : "exact_match,f1,bleu";
    SparkSession spark =
        LocalSpark.builder("local[2]").config("spark.sql.shuffle.partitions", "8").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    Path tmp = Files.createTempDirectory("bench-eval");
    String answers = tmp.resolve("answers").toString();
    String references = tmp.resolve("references").toString();
    long t0 = System.nanoTime();
    var rows =
        spark
            .range(n)
            .javaRDD()
            .map(
                i -> {
                  String[] p = EvalBench.pair(new Random(i));
                  return RowFactory.create(
                      "e" + i, "m", p[0], p[1], "tag" + (i % 4) + ",len" + (i % 3));
                });
    StructType schema =
        new StructType()
            .add("id", DataTypes.StringType)
            .add("model", DataTypes.StringType)
            .add("output", DataTypes.StringType)
            .add("answer", DataTypes.StringType)
            .add("tags", DataTypes.StringType);
    var all = spark.createDataFrame(rows, schema);
    all.select("id", "model", "output").write().parquet(answers);
    all.select(
            org.apache.spark.sql.functions.col("id"),
            org.apache.spark.sql.functions.col("answer"),
            org.apache
                .spark
                .sql
                .functions
                .split(org.apache.spark.sql.functions.col("tags"), ",")
                .as("tags"))
        .write()
        .parquet(references);
    System.out.printf(
        "%d synthetic answers and references written in %.1f s; metrics %s%n",
        n, (System.nanoTime() - t0) / 1e9, metrics);

    String first = run(spark, tmp, answers, references, metrics, "");
    run(spark, tmp, answers, references, metrics, first);
    spark.stop();
  }

  private static String run(
      SparkSession spark,
      Path tmp,
      String answers,
      String references,
      String metrics,
      String baseline) {
    Map<String, String> pairs = new java.util.LinkedHashMap<>();
    pairs.put("output.root", "\"" + tmp.resolve("out") + "\"");
    pairs.put("run.date", "2026-11-27");
    pairs.put("eval.answers", "\"" + answers + "\"");
    pairs.put("eval.references", "\"" + references + "\"");
    pairs.put("eval.metrics", "[" + metrics + "]");
    pairs.put("eval.answer-id-column", "id");
    pairs.put("eval.output-column", "output");
    if (!baseline.isEmpty()) {
      pairs.put("eval.baseline", "\"" + baseline + "\"");
    }
    BatchConfig config = BatchConfig.load(List.of(BatchConfig.parsePairs("bench", pairs)));
    HeapAfterGc.reset();
    long t0 = System.nanoTime();
    EvalAction.Result r = EvalAction.run(spark, config);
    double s = (System.nanoTime() - t0) / 1e9;
    long stageMs = stageMs(r, "summarize");
    System.out.printf(
        "run %s%s: %.1f s (summarize %.1f s), %d summary rows;"
            + " largest heap after a GC during the run %d MiB%n",
        r.runId(),
        baseline.isEmpty() ? "" : " against " + baseline,
        s,
        stageMs / 1000.0,
        spark.read().parquet(r.summaryPath()).count(),
        HeapAfterGc.peakMib());
    r.headline()
        .forEach(
            h ->
                System.out.printf(
                    "  %s %s: %.4f [%.4f, %.4f] n=%d paired=%d delta=%.4f%n",
                    h.system(),
                    h.metric(),
                    h.mean(),
                    h.low(),
                    h.high(),
                    h.n(),
                    h.paired(),
                    h.delta()));
    return r.runId();
  }

  private static long stageMs(EvalAction.Result r, String stage) {
    try {
      Path manifest =
          Path.of(r.summaryPath()).resolve("_run.json").toFile().exists()
              ? Path.of(r.summaryPath()).resolve("_run.json")
              : Path.of(r.summaryPath()).getParent().resolve("_run.json");
      Map<?, ?> m = new ObjectMapper().readValue(manifest.toFile(), Map.class);
      Map<?, ?> stages = (Map<?, ?>) ((Map<?, ?>) m.get("timings")).get("stages_ms");
      return ((Number) stages.get(stage)).longValue();
    } catch (Exception e) {
      return -1;
    }
  }
}
