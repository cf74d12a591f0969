package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.nn.TinyLlama;
import dev.batchlm.pipeline.loratrain.LoraTrainActionTest;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * lora-train in its own JVM (bin/batchlm) killed with SIGKILL after a checkpoint, then run again:
 * the rerun continues from the checkpoint and ends with the adapter an uninterrupted run makes,
 * byte for byte.
 */
class LoraTrainKillIT {
  @Test
  void aKilledRunContinuesFromItsCheckpointToTheSameAdapter(@TempDir Path tmp) throws Exception {
    Path model = new TinyLlama(41, 2, false, false, false, 1.5).write(tmp.resolve("base"), "llama");
    Path killed = tmp.resolve("killed");
    Path whole = tmp.resolve("whole");
    LoraTrainActionTest.writeExamples(LocalSpark.session(), killed.toString(), 12, 48);
    LoraTrainActionTest.writeExamples(LocalSpark.session(), whole.toString(), 12, 48);
    List<String> keys =
        List.of(
            "lora-train.base-model=\"" + model + "\"",
            "lora-train.batch-size=4",
            "lora-train.micro-batch=2",
            "lora-train.epochs=15",
            "lora-train.learning-rate=0.01",
            "lora-train.checkpoint-every=5",
            "lora-train.eval-every=20",
            "lora-train.partitions=2");

    List<String> cmd =
        new ArrayList<>(
            List.of(
                LauncherIT.REPO.resolve("bin/batchlm").toString(),
                "lora-train",
                "--output",
                killed.toString(),
                "--run-date",
                "2026-11-27"));
    keys.forEach(k -> cmd.addAll(List.of("--set", k)));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(LauncherIT.REPO.toFile())
            .redirectOutput(tmp.resolve("out.txt").toFile())
            .redirectError(tmp.resolve("err.txt").toFile());
    pb.environment().remove("SPARK_HOME");
    Process p = pb.start();
    Path adapters = killed.resolve("adapters/adapter");
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
    while (checkpoints(adapters) < 2 && p.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(p.isAlive()).as(Files.readString(tmp.resolve("err.txt"))).isTrue();
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs
    assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
    int left = checkpoints(adapters);

    Cli again = Cli.run(args(killed, keys));
    assertThat(again.exitCode).as(again.err).isZero();
    var manifest =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(
                killed
                    .resolve("lora_metrics/run_date=2026-11-27/adapter=adapter/_run.json")
                    .toFile());
    assertThat(manifest.path("counters").path("resumed_at_step").asInt())
        .isGreaterThanOrEqualTo(10);
    Cli uninterrupted = Cli.run(args(whole, keys));
    assertThat(uninterrupted.exitCode).as(uninterrupted.err).isZero();

    Path resumed = finalAdapter(adapters);
    Path reference = finalAdapter(whole.resolve("adapters/adapter"));
    System.err.printf("kill test: killed after %d checkpoints, resumed to %s%n", left, resumed);
    assertThat(Files.readAllBytes(resumed.resolve(LoraAdapter.WEIGHTS_FILE)))
        .isEqualTo(Files.readAllBytes(reference.resolve(LoraAdapter.WEIGHTS_FILE)));
  }

  private static String[] args(Path root, List<String> keys) {
    List<String> a =
        new ArrayList<>(
            List.of("lora-train", "--output", root.toString(), "--run-date", "2026-11-27"));
    keys.forEach(k -> a.addAll(List.of("--set", k)));
    return a.toArray(String[]::new);
  }

  /** Checkpoints written so far by any run of the adapter. */
  private static int checkpoints(Path adapters) throws Exception {
    if (!Files.isDirectory(adapters)) {
      return 0;
    }
    try (Stream<Path> runs = Files.list(adapters)) {
      int n = 0;
      for (Path run : runs.toList()) {
        try (Stream<Path> steps = Files.list(run)) {
          n += (int) steps.filter(s -> s.getFileName().toString().startsWith("step-")).count();
        }
      }
      return n;
    }
  }

  /** The run folder holding a finished adapter. */
  private static Path finalAdapter(Path adapters) throws Exception {
    try (Stream<Path> runs = Files.list(adapters)) {
      return runs.filter(r -> Files.exists(r.resolve(LoraAdapter.WEIGHTS_FILE)))
          .findFirst()
          .orElseThrow();
    }
  }
}
