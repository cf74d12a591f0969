package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.Runs;
import dev.batchlm.testing.FakeBatchServer;
import dev.batchlm.testing.FakeLlmServer;
import dev.batchlm.testing.LocalSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * infer in its own JVM (bin/batchlm, as a scheduler runs it) killed with SIGKILL midway, then run
 * again: every request ends answered, and the calls the server completed twice are no more than
 * were in flight at the kill.
 */
class InferKillIT {
  static final int CONCURRENCY = 4;

  @Test
  void aKilledRunLosesAtMostTheCallsInFlight(@TempDir Path tmp) throws Exception {
    try (FakeLlmServer server = new FakeLlmServer().latency(150)) {
      List<String> lines =
          IntStream.range(0, 300)
              .mapToObj(i -> "{\"request_id\": \"k" + i + "\", \"text\": \"ticket " + i + "\"}")
              .toList();
      Path in = Files.write(tmp.resolve("requests.jsonl"), lines, StandardCharsets.UTF_8);
      Path root = tmp.resolve("out");
      Path prompt = Files.createDirectories(tmp.resolve("prompts/echo"));
      Files.writeString(prompt.resolve("user.txt"), "{{text}}");
      Path keyFile = Files.writeString(tmp.resolve("key"), "sk-kill-test");
      List<String> args =
          List.of(
              "infer",
              "--input",
              in.toString(),
              "--output",
              root.toString(),
              "--run-date",
              "2026-11-27",
              "--set",
              "infer.prompt=\"" + prompt + "\"",
              "--set",
              "infer.model=gpt-4o-mini",
              "--set",
              "infer.base-url=\"" + server.baseUrl() + "\"",
              "--set",
              "infer.api-key-env=BATCHLM_KILL_TEST_KEY",
              "--set",
              "infer.max-concurrency=" + CONCURRENCY,
              "--set",
              "infer.partitions=1");
      List<String> cmd =
          new ArrayList<>(List.of(LauncherIT.REPO.resolve("bin/batchlm").toString()));
      cmd.addAll(args);
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .directory(LauncherIT.REPO.toFile())
              .redirectOutput(tmp.resolve("out.txt").toFile())
              .redirectError(tmp.resolve("err.txt").toFile());
      pb.environment().remove("SPARK_HOME");
      pb.environment().put("BATCHLM_KILL_TEST_KEY", "sk-kill-test");
      Process p = pb.start();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (server.paidTotal() < 60 && p.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(p.isAlive()).as(Files.readString(tmp.resolve("err.txt"))).isTrue();
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
      assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
      // calls the server was still answering finish (and are paid, though nobody reads them)
      server.awaitIdle(java.time.Duration.ofMinutes(1));
      int paidBeforeRerun = server.paidTotal();
      assertThat(paidBeforeRerun).isBetween(60, 299);

      // the rerun, the same night, in this JVM
      LocalSpark.session();
      List<String> rerun = new ArrayList<>(args);
      rerun.set(
          rerun.indexOf("infer.api-key-env=BATCHLM_KILL_TEST_KEY"),
          "infer.api-key-file=\"" + keyFile + "\"");
      Cli again = Cli.run(rerun.toArray(String[]::new));
      assertThat(again.exitCode).as(again.err).isZero();

      List<Row> rows =
          LocalSpark.session()
              .read()
              .parquet(root.resolve("inference_results/run_date=2026-11-27").toString())
              .collectAsList();
      assertThat(rows).hasSize(300);
      assertThat(rows).allMatch(r -> r.getAs(InferenceResults.ERROR) == null);
      assertThat(rows).allMatch(r -> r.<String>getAs(InferenceResults.OUTPUT_TEXT) != null);
      int paidTwice = server.paid().values().stream().mapToInt(c -> c - 1).filter(c -> c > 0).sum();
      System.err.printf(
          "kill test: %d calls paid before SIGKILL, %d paid twice (concurrency %d)%n",
          paidBeforeRerun, paidTwice, CONCURRENCY);
      assertThat(server.paid()).hasSize(300);
      assertThat(paidTwice).isLessThanOrEqualTo(CONCURRENCY);
      long fromCache =
          rows.stream().filter(r -> r.<Boolean>getAs(InferenceResults.CACHE_HIT)).count();
      assertThat(fromCache).isGreaterThanOrEqualTo(paidBeforeRerun - CONCURRENCY);

      // the runs table: the killed run found by the rerun, which succeeded
      Map<String, String> statusByRun = new TreeMap<>();
      LocalSpark.session()
          .read()
          .parquet(root.resolve("runs/run_date=2026-11-27").toString())
          .collectAsList()
          .forEach(r -> statusByRun.put(r.getAs(Runs.RUN_ID), r.getAs(Runs.STATUS)));
      assertThat(statusByRun.values()).containsExactly("killed", "succeeded"); // by start time
    }
  }

  /**
   * infer in batch mode killed with SIGKILL while it waits on its batch: the rerun finds the batch
   * in llm_batches, adopts it instead of sending it again, and answers every request; nothing is
   * paid twice.
   */
  @Test
  void aKilledBatchRunIsAdoptedByTheRerun(@TempDir Path tmp) throws Exception {
    try (FakeBatchServer server = new FakeBatchServer()) {
      server.hold = true; // in progress until released
      List<String> lines =
          IntStream.range(0, 100)
              .mapToObj(i -> "{\"request_id\": \"b" + i + "\", \"text\": \"ticket " + i + "\"}")
              .toList();
      Path in = Files.write(tmp.resolve("requests.jsonl"), lines, StandardCharsets.UTF_8);
      Path root = tmp.resolve("out");
      Path prompt = Files.createDirectories(tmp.resolve("prompts/echo"));
      Files.writeString(prompt.resolve("user.txt"), "{{text}}");
      List<String> args =
          List.of(
              "infer",
              "--input",
              in.toString(),
              "--output",
              root.toString(),
              "--run-date",
              "2026-11-27",
              "--set",
              "infer.prompt=\"" + prompt + "\"",
              "--set",
              "infer.model=gpt-4o-mini",
              "--set",
              "infer.base-url=\"" + server.baseUrl() + "\"",
              "--set",
              "infer.mode=batch",
              "--set",
              "infer.batch-api=true",
              "--set",
              "infer.batch.poll-seconds=0.05",
              "--set",
              "infer.batch.max-poll-seconds=0.2");
      List<String> cmd =
          new ArrayList<>(List.of(LauncherIT.REPO.resolve("bin/batchlm").toString()));
      cmd.addAll(args);
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .directory(LauncherIT.REPO.toFile())
              .redirectOutput(tmp.resolve("out.txt").toFile())
              .redirectError(tmp.resolve("err.txt").toFile());
      pb.environment().remove("SPARK_HOME");
      Process p = pb.start();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      // polled in progress: the batch and its id are recorded
      while ((server.created().isEmpty()
              || !server.state(server.created().get(0)).equals("in_progress"))
          && p.isAlive()
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(p.isAlive()).as(Files.readString(tmp.resolve("err.txt"))).isTrue();
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
      assertThat(server.paidTotal()).isZero();
      server.release();

      LocalSpark.session();
      Cli again = Cli.run(args.toArray(String[]::new));
      assertThat(again.exitCode).as(again.err).isZero();
      assertThat(server.created()).hasSize(1); // adopted, not sent again
      assertThat(server.paid()).hasSize(100).allSatisfy((q, n) -> assertThat(n).isEqualTo(1));
      List<Row> rows =
          LocalSpark.session()
              .read()
              .parquet(root.resolve("inference_results/run_date=2026-11-27").toString())
              .collectAsList();
      assertThat(rows).hasSize(100).allMatch(r -> r.getAs(InferenceResults.ERROR) == null);
      assertThat(rows)
          .allMatch(r -> server.created().get(0).equals(r.getAs(InferenceResults.BATCH_ID)));
    }
  }
}
