package dev.batchlm.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.finetune.MinHash;
import dev.batchlm.pipeline.ftprep.FtPrepAction;
import dev.batchlm.pipeline.ftprep.NearDuplicates;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.testing.LocalSpark;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.MinHashLSH;
import org.apache.spark.ml.feature.MinHashLSHModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * ft-prep at scale, in local Spark (2 threads).
 *
 * <p>{@code neardup N...}: near-duplicate clusters of N generated texts (60 words of a 20,000-word
 * vocabulary; one in ten a copy of another with 1-3 words replaced), by ft-prep's banding and by
 * Spark ML's {@code MinHashLSH} similarity self-join with exact Jaccard (its peer), on the same
 * texts: seconds, rows/s and the planted pairs each finds.
 *
 * <p>{@code job N...}: the whole ft-prep job over N synthetic inference rows, each with feedback
 * (one in ten corrected, one in twenty thumbs down), tokenized with a ChatML tokenizer and packed:
 * seconds per stage, and the driver's heap after a full GC when the run ends (what it keeps per
 * row) against the same before the run.
 */
public final class FtPrepBench {
  private FtPrepBench() {}

  private static final String[] SENTENCES = {
    "The refund is paid back to the card that was used for the order.",
    "Returns are accepted within thirty days when the item is unused.",
    "Our support team answers every message within one working day.",
    "The warehouse ships most parcels on the same afternoon they are ordered.",
    "A damaged parcel should be photographed before it is opened.",
    "Customers can change the delivery address until the parcel has left.",
    "Gift cards cannot be exchanged for cash or moved to another account.",
    "The invoice is sent by e-mail as soon as the payment has cleared.",
    "Large furniture is delivered by a partner who calls a day ahead.",
    "The loyalty points expire two years after they were collected.",
    "Orders placed on a public holiday are handled on the next working day.",
    "An order can be cancelled free of charge before it has been packed.",
  };

  public static void main(String[] args) throws Exception {
    System.out.printf(
        Locale.ROOT,
        "Java %s, %d cores, max heap %d MB%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);
    SparkSession spark =
        LocalSpark.builder("local[2]").config("spark.sql.shuffle.partitions", "8").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    for (int i = 1; i < args.length; i++) {
      int n = Integer.parseInt(args[i]);
      if (args[0].startsWith("neardup")) {
        nearDuplicates(spark, n, args[0].equals("neardup-phrases"));
      } else {
        job(spark, n);
      }
    }
    System.exit(0);
  }

  /**
   * N texts, every tenth a copy of an earlier one with 1-3 words replaced; {@code phrases}: each
   * made of the same few sentences, as support answers are, instead of random words.
   */
  static Dataset<Row> texts(SparkSession spark, int n, boolean phrases) {
    return spark
        .range(n)
        .map(
            (org.apache.spark.api.java.function.MapFunction<Long, String>)
                i -> phrases ? answer(i) : text(i),
            Encoders.STRING())
        .select(col("value").as("text"))
        .withColumn("id", functions.format_string("t%08d", functions.monotonically_increasing_id()))
        .select("id", "text");
  }

  /**
   * Text {@code i}: random words, or (every tenth) a copy of text {@code i - 7} slightly changed.
   */
  static String text(long i) {
    boolean copy = i % 10 == 9;
    SplittableRandom words = new SplittableRandom(copy ? i - 7 : i);
    String[] w = new String[60];
    for (int k = 0; k < w.length; k++) {
      w[k] = "w" + words.nextInt(20_000);
    }
    if (copy) {
      SplittableRandom edits = new SplittableRandom(-i);
      for (int e = 1 + edits.nextInt(3); e > 0; e--) {
        w[edits.nextInt(w.length)] = "x" + edits.nextInt(20_000);
      }
    }
    return String.join(" ", w);
  }

  static void nearDuplicates(SparkSession spark, int n, boolean phrases) {
    double threshold = 0.8;
    Dataset<Row> texts = texts(spark, n, phrases).cache();
    texts.count();
    MinHash minHash = MinHash.forThreshold(threshold, 256, 5, 42);

    long t0 = System.nanoTime();
    Dataset<Row> clusters = NearDuplicates.clusters(texts, minHash, threshold).cache();
    long inClusters =
        clusters.filter(col("cluster").notEqual(col("id"))).count(); // texts joined to another
    double ours = (System.nanoTime() - t0) / 1e9;
    clusters.unpersist();

    // Spark ML: 5-word shingles hashed into 2^20 binary features, as many hash tables as ours has
    // bands, similarity self-join at Jaccard distance 1 - threshold (up to 300k texts: slower)
    long mlPairs = -1;
    double ml = Double.NaN;
    if (n <= 300_000) {
      long t1 = System.nanoTime();
      mlPairs = similarityJoin(texts, minHash.bands(), threshold);
      ml = (System.nanoTime() - t1) / 1e9;
    }
    texts.unpersist();
    report(spark, n, phrases, threshold, minHash, ours, inClusters, ml, mlPairs);
  }

  /** Pairs Spark ML's MinHashLSH finds within Jaccard distance 1 - threshold. */
  static long similarityJoin(Dataset<Row> texts, int tables, double threshold) {
    Dataset<Row> shingled =
        texts.withColumn(
            "shingles",
            functions.expr(
                "transform(sequence(0, size(split(text, ' ')) - 5), i -> "
                    + "array_join(slice(split(text, ' '), i + 1, 5), ' '))"));
    Dataset<Row> features =
        new HashingTF()
            .setInputCol("shingles")
            .setOutputCol("features")
            .setNumFeatures(1 << 20)
            .setBinary(true)
            .transform(shingled);
    MinHashLSHModel lsh =
        new MinHashLSH()
            .setNumHashTables(tables)
            .setSeed(42)
            .setInputCol("features")
            .setOutputCol("hashes")
            .fit(features);
    return lsh.approxSimilarityJoin(features, features, 1 - threshold, "distance")
        .filter(col("datasetA.id").lt(col("datasetB.id")))
        .count();
  }

  static void report(
      SparkSession spark,
      int n,
      boolean phrases,
      double threshold,
      MinHash minHash,
      double ours,
      long inClusters,
      double ml,
      long mlPairs) {
    // the truth: random texts share no 5-word run, so the near-duplicate pairs are the planted
    // copies whose exact Jaccard reaches the threshold
    MinHash shingler = minHash;
    long truth =
        phrases
            ? -1 // unknown: texts of the same sentences in the same order are near-duplicates too
            : spark
                .range(n)
                .filter(col("id").mod(10).equalTo(9))
                .filter(
                    (org.apache.spark.api.java.function.FilterFunction<Long>)
                        i ->
                            MinHash.jaccard(
                                    shingler.shingles(text(i)), shingler.shingles(text(i - 7)))
                                >= threshold)
                .count();
    System.out.printf(
        Locale.ROOT,
        "neardup%s N=%d (%d planted copies, %d at J >= %.1f): ft-prep banding %.1f s = %.0f rows/s,"
            + " %d texts joined to a cluster; Spark ML MinHashLSH join %.1f s = %.0f rows/s, %d"
            + " pairs%n",
        phrases ? "-phrases" : "",
        n,
        n / 10,
        truth,
        threshold,
        ours,
        n / ours,
        inClusters,
        ml,
        n / ml,
        mlPairs);
  }

  static void job(SparkSession spark, int n) throws Exception {
    spark
        .udf()
        .register(
            "bench_answer",
            (org.apache.spark.sql.api.java.UDF1<Long, String>) FtPrepBench::answer,
            org.apache.spark.sql.types.DataTypes.StringType);
    Path tmp = Files.createTempDirectory("bench-ftprep");
    String date = "2026-11-27";
    Path results = tmp.resolve("root/inference_results/run_date=" + date);
    spark
        .range(n)
        .select(
            functions.format_string("r%08d", col("id")).as(InferenceResults.REQUEST_ID),
            lit("v1").as(InferenceResults.PROMPT_VERSION),
            lit("m").as(InferenceResults.MODEL),
            functions.callUDF("bench_answer", col("id")).as(InferenceResults.OUTPUT_TEXT),
            lit(true).as(InferenceResults.VALID),
            lit(null).cast("string").as(InferenceResults.ERROR),
            functions
                .format_string(
                    "[{\"role\":\"system\",\"content\":\"You answer questions about orders.\"},"
                        + "{\"role\":\"user\",\"content\":\"Question %d: where is my order?\"}]",
                    col("id"))
                .as(InferenceResults.MESSAGES))
        .write()
        .parquet(results.toString());
    Path feedback = tmp.resolve("feedback");
    spark
        .range(n)
        .select(
            functions.format_string("r%08d", col("id")).as("request_id"),
            functions
                .when(col("id").mod(20).equalTo(3), lit("down"))
                .otherwise(lit("up"))
                .as("rating"),
            functions
                .when(
                    col("id").mod(10).equalTo(1),
                    functions.format_string(
                        "Your order %d left the warehouse today and arrives within two working"
                            + " days; the tracking link is in your e-mail.",
                        col("id")))
                .as("corrected_answer"),
            lit("2026-11-27T10:00:00Z").as("created_at"))
        .write()
        .json(feedback.toString());
    Path base = Files.createDirectories(tmp.resolve("base-model"));
    for (String f : List.of("tokenizer.json", "tokenizer_config.json", "chat_template.jinja")) {
      Files.copy(
          Path.of("lib/src/test/resources/hf-reference/tokenizer-chatml", f), base.resolve(f));
    }
    BatchConfig config =
        BatchConfig.load(
            List.of(
                BatchConfig.parsePairs(
                    "bench",
                    Map.of(
                        "output.root", q(tmp.resolve("root").toString()),
                        "run.date", date,
                        "ft-prep.feedback", q(feedback.toString()),
                        "ft-prep.base-model", q(base.toString()),
                        "ft-prep.packing", "best-fit"))));
    System.gc();
    long heapBefore = heapUsed();
    SparkJobTimes jobs = SparkJobTimes.listen(spark);
    long t0 = System.nanoTime();
    FtPrepAction.Result r = FtPrepAction.run(spark, config);
    double s = (System.nanoTime() - t0) / 1e9;
    long heapAfter = heapUsed();
    Map<?, ?> manifest =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readValue(
                tmp.resolve("root/finetune_examples/run_date=" + date + "/_run.json").toFile(),
                Map.class);
    System.out.printf(
        Locale.ROOT,
        "job N=%d: %.1f s = %.0f rows/s; %d train + %d validation; packed %d sequences (%.1f%%"
            + " full); dropped %s; stages %s; driver heap after full GC: %d MB before, %d MB"
            + " after; peak RSS %d MB%n",
        n,
        s,
        n / s,
        r.train(),
        r.validation(),
        r.packing().sequences(),
        100 * r.packing().efficiency(),
        r.dropped(),
        ((Map<?, ?>) manifest.get("timings")).get("stages_ms"),
        heapBefore >> 20,
        heapAfter >> 20,
        peakRssKb() >> 10);
    System.out.println("its longest Spark jobs:");
    jobs.longest(6).forEach(j -> System.out.println("  " + j));
    long cachedBytes = 0;
    for (var rdd : spark.sparkContext().getRDDStorageInfo()) {
      cachedBytes += rdd.memSize() + rdd.diskSize();
    }
    System.out.printf(
        Locale.ROOT,
        "still persisted after the run: %d RDDs, %d MB; the heap's largest classes:%n",
        spark.sparkContext().getRDDStorageInfo().length,
        cachedBytes >> 20);
    String histogram =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {null},
                    new String[] {String[].class.getName()});
    histogram.lines().limit(15).forEach(System.out::println);
  }

  /** A synthetic answer: four of the sentences, chosen by the row, and its number. */
  static String answer(long id) {
    SplittableRandom random = new SplittableRandom(id);
    Set<Integer> picked = new HashSet<>();
    List<String> out = new ArrayList<>();
    while (out.size() < 4) {
      int s = random.nextInt(SENTENCES.length);
      if (picked.add(s)) {
        out.add(SENTENCES[s]);
      }
    }
    return String.join(" ", out) + " Case " + id + ".";
  }

  static long heapUsed() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static long peakRssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static String q(String s) {
    return "\"" + s + "\"";
  }
}
