package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.testing.LocalSpark;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ingest and chunk on a real multi-JVM Spark cluster: {@code local-cluster[2,1,1024]} starts two
 * workers that launch separate executor JVMs. Executors get Spark from SPARK_HOME/jars (laid out
 * here from the test classpath) and batchlm only from the shaded application jar, as on a real
 * cluster.
 */
class ClusterIT {
  static SparkSession spark;

  @BeforeAll
  static void startCluster() throws Exception {
    Path sparkHome = Path.of(System.getenv("SPARK_HOME"));
    Path jars = sparkHome.resolve("jars");
    Files.createDirectories(jars);
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path jar = Path.of(entry);
      String name = jar.getFileName().toString();
      if (name.endsWith(".jar")
          && !name.startsWith("batchlm-")
          && !Files.exists(jars.resolve(name))) {
        Files.createSymbolicLink(jars.resolve(name), jar.toAbsolutePath());
      }
    }
    String appJar = System.getProperty("batchlm.jobs.jar");
    assertThat(Path.of(appJar)).exists();
    // Each worker advertises two GPUs through a discovery script; each task asks for one.
    Path discovery = sparkHome.resolve("gpu-discovery.sh");
    Files.writeString(
        discovery, "#!/bin/sh\necho '{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}'\n");
    discovery.toFile().setExecutable(true);
    spark =
        LocalSpark.builder("local-cluster[2,1,1024]")
            .config("spark.jars", appJar)
            .config("spark.worker.resource.gpu.amount", "2")
            .config("spark.worker.resource.gpu.discoveryScript", discovery.toString())
            .config("spark.executor.resource.gpu.amount", "1")
            .config("spark.task.resource.gpu.amount", "1")
            .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void pipelineRunsOnSeparateExecutorJvms(@TempDir Path tmp) throws Exception {
    Path root = tmp.resolve("root");
    Cli cli =
        Cli.run(
            "pipeline",
            "--input",
            PipelineIT.CORPUS.toAbsolutePath().toString(),
            "--output",
            root.toString(),
            "--run-date",
            "2026-02-01",
            "--set",
            "chunk.tokenizer=\"" + PipelineIT.TOKENIZER + "\"",
            "--set",
            "embed.model=\""
                + Path.of("..", "samples", "models", "demo-encoder").toAbsolutePath()
                + "\"");
    assertThat(cli.exitCode).as(cli.err).isZero();

    // Embedding tasks ran with the GPU Spark assigned them (the CPU backend has one device to
    // bind).
    @SuppressWarnings("unchecked")
    Map<String, Object> counters =
        (Map<String, Object>) PipelineIT.manifest(root, "embeddings", "2026-02-01").get("counters");
    @SuppressWarnings("unchecked")
    List<String> gpus = (List<String>) counters.get("gpu_addresses");
    assertThat(gpus).isNotEmpty().isSubsetOf("0 (cpu backend)", "1 (cpu backend)");

    // The executors are child processes of this JVM (the in-process workers fork them).
    List<ProcessHandle> executors =
        ProcessHandle.current()
            .descendants()
            .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
            .toList();
    assertThat(executors).hasSize(2);
    assertThat(executors.stream().map(ProcessHandle::pid).distinct()).hasSize(2);

    Row counts =
        spark
            .sql(
                "SELECT (SELECT count(*) FROM parquet.`"
                    + root.resolve("documents")
                    + "`),"
                    + " (SELECT count(*) FROM parquet.`"
                    + root.resolve("quarantine")
                    + "`),"
                    + " (SELECT count(DISTINCT doc_id) FROM parquet.`"
                    + root.resolve("chunks")
                    + "`),"
                    + " (SELECT count(*) FROM parquet.`"
                    + root.resolve("chunks")
                    + "`),"
                    + " (SELECT count(*) FROM parquet.`"
                    + root.resolve("embeddings")
                    + "`)")
            .first();
    assertThat(counts.getLong(0)).isEqualTo(33);
    assertThat(counts.getLong(1)).isEqualTo(4);
    assertThat(counts.getLong(2)).isEqualTo(33);
    assertThat(counts.getLong(4)).isEqualTo(counts.getLong(3));
  }

  /**
   * ft-prep over a generated chat dataset with planted exact and near duplicates and e-mail
   * addresses: the executors load the language detector, the base model's tokenizer and template
   * from the application jar and the model folder, and every planted case is found once.
   */
  @Test
  void ftPrepFindsEachPlantedCaseOnSeparateExecutorJvms(@TempDir Path tmp) throws Exception {
    String[] sentences = {
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
      "Some items are sold by partner shops that have their own return rules.",
      "The tracking link becomes active a few hours after the label is printed.",
      "Store pickup orders are kept at the counter for seven days.",
      "Batteries and chemicals are shipped by ground transport only.",
    };
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    List<String> lines = new java.util.ArrayList<>();
    List<String> answers = new java.util.ArrayList<>();
    for (int i = 0; i < 120; i++) {
      StringBuilder answer = new StringBuilder();
      int[] order = java.util.stream.IntStream.range(0, sentences.length).toArray();
      for (int k = 0; k < 8; k++) { // 8 different sentences: no text repeats itself
        int pick = k + random.nextInt(sentences.length - k);
        int swap = order[k];
        order[k] = order[pick];
        order[pick] = swap;
        answer.append(sentences[order[k]]).append(' ');
      }
      answer.append(i < 5 ? "Write to agent" + i + "@example.com for help" : "Case " + i);
      answers.add(answer.toString());
      lines.add(chatLine("Question " + i + " about my order?", answers.get(i)));
    }
    for (int i = 20; i < 30; i++) { // the same text in other case and spacing
      lines.add(
          chatLine(
              "QUESTION " + i + "  about my order?",
              answers.get(i).toUpperCase(java.util.Locale.ROOT)));
    }
    for (int i = 30; i < 40; i++) { // the same text with its last word changed
      lines.add(chatLine("Question " + i + " about my order?", answers.get(i) + "b"));
    }
    Path dataset = Files.write(tmp.resolve("chats.jsonl"), lines);
    Path base = FtPrepIT.chatmlBaseModel(tmp.resolve("base-model"));
    Path root = tmp.resolve("root");
    Cli cli =
        Cli.run(
            "ft-prep",
            "--output",
            root.toString(),
            "--run-date",
            "2026-02-01",
            "--set",
            "ft-prep.datasets=[\"" + dataset + "\"]",
            "--set",
            "ft-prep.base-model=\"" + base + "\"",
            "--set",
            "ft-prep.packing=best-fit");
    assertThat(cli.exitCode).as(cli.err).isZero();

    Map<String, Long> report = new java.util.HashMap<>();
    spark
        .read()
        .parquet(root.resolve("finetune_report/run_date=2026-02-01").toString())
        .collectAsList()
        .forEach(r -> report.put(r.getAs("stage") + "." + r.getAs("outcome"), r.getAs("count")));
    assertThat(report)
        .containsEntry("read.kept", 140L)
        .containsEntry("filter.kept", 140L)
        .containsEntry("filter.pii_masked_email", 5L)
        .containsEntry("exact_duplicates.exact_duplicate", 10L)
        .containsEntry("near_duplicates.near_duplicate", 10L)
        .containsEntry("tokenize.kept", 120L);
    Row packed =
        spark
            .sql(
                "SELECT count(*), count(DISTINCT e) FROM parquet.`"
                    + root.resolve("finetune_packed")
                    + "` LATERAL VIEW explode(example_ids) AS e")
            .first();
    assertThat(packed.getLong(0)).isEqualTo(120); // every example once
    assertThat(packed.getLong(1)).isEqualTo(120);
  }

  private static String chatLine(String question, String answer) {
    return "{\"messages\": [{\"role\": \"user\", \"content\": \""
        + question
        + "\"}, {\"role\": \"assistant\", \"content\": \""
        + answer
        + "\"}]}";
  }

  @Test
  void inferKeepsTheRequestsPerMinuteLimitAcrossExecutors(@TempDir Path tmp) throws Exception {
    try (var server = new dev.batchlm.testing.FakeLlmServer().latency(20)) {
      List<String> lines =
          java.util.stream.IntStream.range(0, 30)
              .mapToObj(i -> "{\"request_id\": \"c" + i + "\", \"text\": \"q " + i + "\"}")
              .toList();
      Path in = Files.write(tmp.resolve("requests.jsonl"), lines);
      Path prompt = Files.createDirectories(tmp.resolve("echo"));
      Files.writeString(prompt.resolve("user.txt"), "{{text}}");
      Path key = Files.writeString(tmp.resolve("key"), "sk-cluster");
      Cli cli =
          Cli.run(
              "infer",
              "--input",
              in.toString(),
              "--output",
              tmp.resolve("root").toString(),
              "--run-date",
              "2026-02-01",
              "--set",
              "infer.prompt=\"" + prompt + "\"",
              "--set",
              "infer.model=llama",
              "--set",
              "infer.unpriced=true",
              "--set",
              "infer.base-url=\"" + server.baseUrl() + "\"",
              "--set",
              "infer.api-key-file=\"" + key + "\"",
              "--set",
              "infer.requests-per-minute=120",
              "--set",
              "infer.max-concurrency=8");
      assertThat(cli.exitCode).as(cli.err).isZero();
      assertThat(server.paidTotal()).isEqualTo(30);
      // 120/min for the cluster: two tasks (one per executor JVM) at 1/s each. At the server,
      // any 10 s window holds at most 20 requests (+ 2 for timing jitter), and the 30 requests
      // take at least (30 - 2) / 2 s.
      List<Long> at = server.requestNanos().stream().sorted().toList();
      for (int i = 0; i < at.size(); i++) {
        int j = i;
        while (j < at.size() && at.get(j) - at.get(i) < 10_000_000_000L) {
          j++;
        }
        assertThat(j - i).as("requests in the 10 s after request " + i).isLessThanOrEqualTo(22);
      }
      double seconds = (at.get(at.size() - 1) - at.get(0)) / 1e9;
      System.err.printf(
          "cluster rpm test: %d requests in %.1f s from the first to the last = %.1f/min"
              + " (two tasks each send their first at the start: (n - 2) / s; limit 120)%n",
          at.size(), seconds, (at.size() - 2) / seconds * 60);
      assertThat(seconds).isGreaterThan(13.0);
    }
  }

  /**
   * lora-train's step shared by two executor JVMs gives the adapter that one task on one executor
   * gives for the same global batches, up to float rounding (the shares' gradients are summed in
   * another order).
   */
  @Test
  void loraTrainGivesOneExecutorsAdapterOnTwo(@TempDir Path tmp) throws Exception {
    Path base =
        new dev.batchlm.nn.TinyLlama(51, 2, false, true, false, 1.5)
            .write(tmp.resolve("base"), "llama");
    String root = tmp.resolve("root").toString();
    dev.batchlm.pipeline.loratrain.LoraTrainActionTest.writeExamples(spark, root, 12, 48);
    java.util.Map<Integer, dev.batchlm.nn.LoraAdapter> adapters = new java.util.HashMap<>();
    // two tasks first, to warm both executors (graphs built, code compiled) for the timings
    for (int round = 0; round < 3; round++) {
      int tasks = round == 1 ? 1 : 2;
      var result =
          dev.batchlm.pipeline.loratrain.LoraTrainAction.run(
              spark,
              dev.batchlm.config.BatchConfig.load(
                  List.of(
                      dev.batchlm.config.BatchConfig.parsePairs(
                          "test",
                          Map.of(
                              "output.root", "\"" + root + "\"",
                              "run.date", "2026-11-27",
                              "lora-train.base-model", "\"" + base + "\"",
                              "lora-train.name", "\"tasks-" + tasks + "-" + round + "\"",
                              "lora-train.partitions", String.valueOf(tasks),
                              "lora-train.learning-rate", "0.02",
                              "lora-train.batch-size", "4",
                              "lora-train.micro-batch", "2",
                              "lora-train.epochs", "2",
                              "lora-train.dropout", "0.1")))));
      assertThat(result.steps()).isEqualTo(6);
      // for bench/RESULTS.md: the step's wall time against the tasks' compute (device) time
      if (round > 0) {
        System.err.printf(
            "lora-train on %d executor(s): %.2f s per step, tasks computing %.2f s per step%n",
            tasks, result.seconds() / result.steps(), result.deviceSeconds() / result.steps());
      }
      try (var c = dev.batchlm.nn.Checkpoint.open(base)) {
        adapters.put(
            tasks,
            dev.batchlm.nn.LoraAdapter.read(
                Path.of(result.adapterPath()),
                dev.batchlm.nn.LlamaConfig.from(c.config(), "base")));
      }
    }
    double worst = 0;
    double largest = 0;
    for (var e : adapters.get(1).pairs().entrySet()) {
      float[] one = e.getValue().b();
      float[] two = adapters.get(2).pairs().get(e.getKey()).b();
      for (int i = 0; i < one.length; i++) {
        worst = Math.max(worst, Math.abs(one[i] - two[i]));
        largest = Math.max(largest, Math.abs(one[i]));
      }
    }
    System.err.printf(
        "lora-train on 1 vs 2 executors: largest |B| %.4f, largest difference %.2e%n",
        largest, worst);
    assertThat(largest).isPositive();
    assertThat(worst / largest).isLessThan(1e-4);
  }
}
