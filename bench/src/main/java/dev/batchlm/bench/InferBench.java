package dev.batchlm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.cache.CacheKeys;
import dev.batchlm.cache.CacheWriter;
import dev.batchlm.config.BatchConfig;
import dev.batchlm.cost.Budget;
import dev.batchlm.infer.Dispatcher;
import dev.batchlm.llm.ChatClient;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.HttpJson;
import dev.batchlm.llm.OpenAiChatModel;
import dev.batchlm.llm.RateLimiter;
import dev.batchlm.llm.RetryPolicy;
import dev.batchlm.llm.Route;
import dev.batchlm.pipeline.infer.InferAction;
import dev.batchlm.prompt.PromptTemplate;
import dev.batchlm.table.LlmCache;
import dev.batchlm.testing.FakeLlmServer;
import dev.batchlm.testing.LocalSpark;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * Bulk inference speed against the loopback server (in this JVM).
 *
 * <p>{@code throughput L C N}: N requests, server latency L ms, C calls in flight. The batchlm path
 * (dispatcher, client with limiter and retries, group-commit cache writes to local disk) against
 * the ideal C/L and against a bare JDK HttpClient pool posting the same bodies (the baseline, in
 * the same run). CPU per request is the process's (client and server together), so the difference
 * between the two is what batchlm's path costs.
 *
 * <p>{@code cache N}: N requests through the infer job in local Spark (2 threads), every one
 * already in {@code llm_cache}: its rows/s, whole and for the cache-lookup stage alone, against a
 * baseline pass that reads the requests and writes them as Parquet, a second that reads the run's
 * result rows and writes them again, and the least Spark run of the same work ({@link
 * #leastSparkRun}).
 */
public final class InferBench {
  private InferBench() {}

  public static void main(String[] args) throws Exception {
    System.out.printf(
        Locale.ROOT,
        "Java %s, %d cores%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    if (args[0].equals("throughput")) {
      throughput(Long.parseLong(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
    } else {
      cache(Integer.parseInt(args[1]));
    }
    System.exit(0); // the HTTP client's and Spark's threads would keep the JVM up
  }

  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  static void throughput(long latencyMillis, int concurrency, int n) throws Exception {
    try (FakeLlmServer server = new FakeLlmServer().latency(latencyMillis)) {
      Route route =
          new Route(
              "bench",
              "openai",
              server.baseUrl(),
              "m",
              "",
              "",
              null,
              Map.of(),
              0,
              0,
              0,
              0,
              30_000,
              3,
              true,
              "",
              false);
      // one client for all passes, as one task keeps one for all its requests
      ChatClient client =
          new ChatClient(
              route,
              new OpenAiChatModel(
                  route.baseUrl(), route.model(), null, null, Map.of(), Duration.ofSeconds(30)),
              RateLimiter.unlimited(),
              new RetryPolicy(3, 100, 1000, 60_000),
              RetryPolicy.Sleeper.REAL);
      for (int pass = 0; pass < 2; pass++) { // the first pass warms both paths up
        double ideal = concurrency * 1000.0 / latencyMillis;
        double[] bare = bare(server, concurrency, n, pass);
        double[] ours = batchlm(client, concurrency, n, pass, true);
        double[] noCache = batchlm(client, concurrency, n, pass + 10, false);
        if (pass == 1) {
          System.out.printf(
              Locale.ROOT,
              "L=%d ms C=%d N=%d: ideal C/L %.1f req/s%n"
                  + "  bare HttpClient: %.1f req/s (%.1f%% of C/L), %.3f ms CPU/request%n"
                  + "  batchlm path:    %.1f req/s (%.1f%% of C/L), %.3f ms CPU/request%n"
                  + "  same, no cache writes: %.1f req/s (%.1f%% of C/L), %.3f ms CPU/request%n",
              latencyMillis,
              concurrency,
              n,
              ideal,
              bare[0],
              100 * bare[0] / ideal,
              bare[1],
              ours[0],
              100 * ours[0] / ideal,
              ours[1],
              noCache[0],
              100 * noCache[0] / ideal,
              noCache[1]);
        }
      }
    }
  }

  static List<ChatRequest> requests(int n, int pass) {
    return IntStream.range(0, n)
        .mapToObj(
            i ->
                new ChatRequest(
                    List.of(
                        ChatMessage.system("You classify support tickets."),
                        ChatMessage.user("pass " + pass + " ticket " + i + ": the app crashes")),
                    null,
                    null))
        .toList();
  }

  /** Requests/s and CPU ms per request of a bare HttpClient pool. */
  static double[] bare(FakeLlmServer server, int concurrency, int n, int pass) throws Exception {
    HttpJson http = new HttpJson(Duration.ofSeconds(30));
    URI uri = URI.create(server.baseUrl() + "/chat/completions");
    ObjectMapper json = new ObjectMapper();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    List<ChatRequest> requests = requests(n, pass + 100);
    long cpu = cpuNanos();
    long start = System.nanoTime();
    List<Future<?>> done = new ArrayList<>();
    for (ChatRequest r : requests) {
      done.add(
          pool.submit(
              () -> {
                ObjectNode body = json.createObjectNode().put("model", "m");
                body.set("messages", r.messagesJson());
                return http.post(uri, Map.of(), body, "bench");
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuMs = (cpuNanos() - cpu) / 1e6 / n;
    pool.shutdown();
    return new double[] {n / seconds, cpuMs};
  }

  static double[] batchlm(ChatClient client, int concurrency, int n, int pass, boolean cached)
      throws IOException {
    Path dir = Files.createTempDirectory("bench-cache");
    Route route = client.route();
    List<Dispatcher.Job> jobs =
        requests(n, pass).stream()
            .map(r -> new Dispatcher.Job(r.messages().get(1).content(), List.of(route), r, 20))
            .toList();
    long cpu = cpuNanos();
    long start = System.nanoTime();
    try (CacheWriter cache =
        new CacheWriter(
            new org.apache.hadoop.fs.Path(dir.toString(), "llm_cache"),
            "bench-" + pass,
            new Configuration())) {
      Dispatcher d =
          new Dispatcher(
              r -> client,
              r -> Optional.empty(),
              new Budget(0),
              concurrency,
              cached ? cache::put : e -> {},
              "bench",
              64);
      List<Dispatcher.Outcome> out = d.run(jobs);
      long[] lat = out.stream().mapToLong(Dispatcher.Outcome::latencyMillis).sorted().toArray();
      System.out.printf(
          Locale.ROOT,
          "  (%s: retries %d, latency p50 %d ms, p99 %d ms, max %d ms)%n",
          cached ? "cached" : "no cache",
          out.stream().mapToInt(Dispatcher.Outcome::attempts).sum() - n,
          lat[lat.length / 2],
          lat[lat.length * 99 / 100],
          lat[lat.length - 1]);
      if (out.stream().anyMatch(o -> !o.ok())) {
        throw new IllegalStateException(
            "a call failed: "
                + out.stream().filter(o -> !o.ok()).findFirst().map(Dispatcher.Outcome::error));
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuMs = (cpuNanos() - cpu) / 1e6 / n;
    return new double[] {n / seconds, cpuMs};
  }

  static void cache(int n) throws Exception {
    SparkSession spark =
        LocalSpark.builder("local[2]").config("spark.sql.shuffle.partitions", "8").getOrCreate();
    spark.sparkContext().setLogLevel("WARN");
    Path tmp = Files.createTempDirectory("bench-infer");
    Path prompt = Files.createDirectories(tmp.resolve("prompt"));
    Files.writeString(prompt.resolve("system.txt"), "You classify support tickets.");
    Files.writeString(prompt.resolve("user.txt"), "Ticket {{text}}: what is it about?");
    Path in = tmp.resolve("requests.jsonl");
    try (var w = Files.newBufferedWriter(in)) {
      for (int i = 0; i < n; i++) {
        w.write("{\"request_id\": \"r" + i + "\", \"text\": \"number " + i + " crashes\"}\n");
      }
    }
    try (FakeLlmServer server = new FakeLlmServer()) {
      Map<String, String> keys =
          Map.of(
              "infer.input",
              q(in.toString()),
              "infer.prompt",
              q(prompt.toString()),
              "infer.model",
              "m",
              "infer.base-url",
              q(server.baseUrl()),
              "infer.unpriced",
              "true",
              "infer.prices",
              q(Path.of("conf/prices.conf").toAbsolutePath().toString()),
              "infer.max-concurrency",
              "64",
              "output.root",
              q(tmp.resolve("out").toString()),
              "run.date",
              "2026-11-27");
      BatchConfig config = BatchConfig.load(List.of(BatchConfig.parsePairs("bench", keys)));
      long p0 = System.nanoTime();
      long cached = fillCache(spark, prompt, tmp.resolve("out/llm_cache"), n);
      System.out.printf(
          Locale.ROOT,
          "llm_cache filled with %d answers (keys computed as infer does) in %.1f s%n",
          cached,
          (System.nanoTime() - p0) / 1e9);

      long b0 = System.nanoTime();
      spark
          .read()
          .json(in.toString())
          .write()
          .mode("overwrite")
          .parquet(tmp.resolve("baseline").toString());
      double baseS = (System.nanoTime() - b0) / 1e9;

      // the join alone: N keyed requests against the cache, both already in memory
      var cacheRows = spark.read().parquet(tmp.resolve("out/llm_cache").toString()).cache();
      var keyed =
          cacheRows
              .select(
                  org.apache.spark.sql.functions.col(LlmCache.CACHE_KEY).as("key"),
                  org.apache.spark.sql.functions.col(LlmCache.REQUEST_ID))
              .cache();
      cacheRows.count();
      keyed.count();
      double joinS = Double.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        long j0 = System.nanoTime();
        long joined =
            keyed
                .join(cacheRows, keyed.col("key").equalTo(cacheRows.col(LlmCache.CACHE_KEY)))
                .count();
        joinS = Math.min(joinS, (System.nanoTime() - j0) / 1e9);
        if (joined != n) {
          throw new IllegalStateException("join found " + joined);
        }
      }
      System.out.printf(
          Locale.ROOT, "join alone (best of 3): %.2f s = %.0f rows/s%n", joinS, n / joinS);
      cacheRows.unpersist();
      keyed.unpersist();

      double leastS = leastSparkRun(spark, prompt, in, tmp);

      SparkJobTimes jobs = SparkJobTimes.listen(spark);
      long t1 = System.nanoTime();
      InferAction.Result hits = InferAction.run(spark, config);
      double hitS = (System.nanoTime() - t1) / 1e9;
      if (hits.cacheHits() != n || server.requests() != 0) {
        throw new IllegalStateException("the run was not all cache hits: " + hits);
      }
      Map<?, ?> manifest =
          new ObjectMapper()
              .readValue(
                  tmp.resolve("out/inference_results/run_date=2026-11-27/_run.json").toFile(),
                  Map.class);
      Map<?, ?> stages = (Map<?, ?>) ((Map<?, ?>) manifest.get("timings")).get("stages_ms");
      // a second peer: the run's own result rows (27 columns) read and written again as Parquet
      long r0 = System.nanoTime();
      spark
          .read()
          .parquet(tmp.resolve("out/inference_results/run_date=2026-11-27").toString())
          .write()
          .mode("overwrite")
          .parquet(tmp.resolve("baseline-results").toString());
      double resultsS = (System.nanoTime() - r0) / 1e9;
      double lookupS = ((Number) stages.get("read requests")).doubleValue() / 1000;
      System.out.printf(
          Locale.ROOT,
          "N=%d all cache hits: whole run %.1f s = %.0f rows/s; cache-lookup stage (render, key,"
              + " join) %.1f s = %.0f rows/s; baseline read JSONL + write Parquet %.1f s = %.0f"
              + " rows/s (%.1f×); read + write the results as Parquet %.1f s (%.1f×); the least"
              + " Spark run (read, render, key, join, write) %.1f s = %.1f× the baseline (the run"
              + " is %.1f× it); stages %s%n",
          n,
          hitS,
          n / hitS,
          lookupS,
          n / lookupS,
          baseS,
          n / baseS,
          hitS / baseS,
          resultsS,
          hitS / resultsS,
          leastS,
          leastS / baseS,
          hitS / leastS,
          stages);
      System.out.println("its Spark jobs of 200 ms or more, in order (concurrent ones overlap):");
      jobs.inOrder(200).forEach(j -> System.out.println("  " + j));
    }
  }

  /**
   * A third peer: the least that any Spark run of all-hits requests does, with none of infer's
   * bookkeeping (no quarantine, id check, plan, validation, ledger, staging or commit): read the
   * requests, render and key each as infer does, join the cache on the key, write a result row per
   * request. Seconds.
   */
  static double leastSparkRun(SparkSession spark, Path promptDir, Path in, Path tmp) {
    String folder = promptDir.toString();
    long t0 = System.nanoTime();
    var keyed =
        spark
            .read()
            .json(in.toString())
            .select("request_id", "text")
            .javaRDD()
            .mapPartitions(
                (java.util.Iterator<org.apache.spark.sql.Row> rows) -> {
                  PromptTemplate t = PromptTemplate.load(folder, new Configuration());
                  return com.google.common.collect.Iterators.transform(
                      rows,
                      r -> {
                        ChatRequest request = request(t, r.getString(1));
                        return org.apache.spark.sql.RowFactory.create(
                            r.getString(0),
                            CacheKeys.of("openai", "m", request),
                            request.messagesJson().toString());
                      });
                });
    var requests =
        spark.createDataFrame(
            keyed,
            new org.apache.spark.sql.types.StructType()
                .add("request_id", "string")
                .add("key", "string")
                .add("messages", "string"));
    var cache =
        spark
            .read()
            .parquet(tmp.resolve("out/llm_cache").toString())
            .drop(LlmCache.REQUEST_ID, LlmCache.RUN_ID);
    requests
        .join(cache, requests.col("key").equalTo(cache.col(LlmCache.CACHE_KEY)))
        .drop("key")
        .write()
        .mode("overwrite")
        .option("compression", "zstd")
        .parquet(tmp.resolve("least").toString());
    return (System.nanoTime() - t0) / 1e9;
  }

  /** The request of one ticket text as infer renders it (default max_tokens added). */
  private static ChatRequest request(PromptTemplate t, String text) {
    ObjectNode params = t.params().deepCopy().put("max_tokens", 1024);
    return new ChatRequest(t.render(Map.of("text", text)), params, null);
  }

  /**
   * Writes an answer for every request straight into {@code llm_cache}, keyed as infer keys them
   * (the prompt rendered, default max_tokens added, provider {@code openai}, model {@code m}); the
   * run that follows checks that every request is a hit.
   */
  static long fillCache(SparkSession spark, Path promptDir, Path cache, int n) {
    String folder = promptDir.toString();
    java.sql.Timestamp now = new java.sql.Timestamp(System.currentTimeMillis());
    var rows =
        spark
            .range(n)
            .javaRDD()
            .mapPartitions(
                (java.util.Iterator<Long> ids) -> {
                  PromptTemplate t = PromptTemplate.load(folder, new Configuration());
                  List<org.apache.spark.sql.Row> out = new ArrayList<>();
                  while (ids.hasNext()) {
                    long i = ids.next();
                    ChatRequest r = request(t, "number " + i + " crashes");
                    out.add(
                        org.apache.spark.sql.RowFactory.create(
                            CacheKeys.of("openai", "m", r),
                            "openai",
                            "m",
                            "m",
                            "a bug",
                            "stop",
                            "{}",
                            30L,
                            3L,
                            0L,
                            0L,
                            null,
                            100L,
                            "r" + i,
                            "fill",
                            now));
                  }
                  return out.iterator();
                });
    spark
        .createDataFrame(rows, LlmCache.SCHEMA)
        .write()
        .option("compression", "zstd")
        .parquet(cache.toString());
    return spark.read().parquet(cache.toString()).count();
  }

  private static String q(String s) {
    return "\"" + s + "\"";
  }
}
