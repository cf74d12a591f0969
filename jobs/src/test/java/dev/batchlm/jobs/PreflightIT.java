package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad config stops a job before Spark starts (this class runs in a JVM of its own, so no other
 * test has made a session): on YARN or Kubernetes no container is allocated for a typo.
 */
class PreflightIT {
  @Test
  void configMistakesStopTheJobBeforeAnySparkSession(@TempDir Path tmp) throws Exception {
    Path base = java.nio.file.Files.createDirectories(tmp.resolve("base")); // no chat template
    java.nio.file.Files.writeString(
        base.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
    String[][] mistakes = {
      {"chunk", "--set", "chunk.strategy=paragraphs"},
      {"ingest", "--input", tmp.resolve("missing").toString()},
      {"chunk", "--run-date", "2026-02-30"},
      {
        "infer",
        "--input",
        tmp.toString(),
        "--set",
        "infer.prompt=nope",
        "--set",
        "infer.model=m",
        "--set",
        "infer.base-url=\"http://127.0.0.1:9/v1\""
      },
      {"eval", "--set", "eval.references=\"/r.jsonl\"", "--set", "eval.metrics=[bleurt]"},
      {"ft-prep", "--set", "ft-prep.base-model=\"" + base + "\""}
    };
    for (String[] m : mistakes) {
      String[] args = new String[m.length + 2];
      System.arraycopy(m, 0, args, 0, m.length);
      args[m.length] = "--output";
      args[m.length + 1] = tmp.resolve("out").toString();
      Cli cli = Cli.run(args);
      assertThat(cli.exitCode).as(String.join(" ", m)).isEqualTo(BatchLm.CONFIG_ERROR);
      assertThat(cli.err.strip().lines())
          .as(cli.err)
          .hasSize(1)
          .allMatch(l -> l.startsWith("batchlm: "));
    }
    assertThat(SparkSession.getDefaultSession().isEmpty()).isTrue();
    assertThat(SparkSession.getActiveSession().isEmpty()).isTrue();
  }
}
