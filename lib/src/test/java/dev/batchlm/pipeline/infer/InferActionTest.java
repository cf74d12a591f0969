package dev.batchlm.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.llm.Route;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferActionTest {
  /** A run whose server failed a third of the calls before they succeeded says so at INFO. */
  /** The single route's Batch API: yes on OpenAI's own server unless infer.batch-api says. */
  @Test
  void openAisOwnServerHasABatchApiUnlessTheConfigSaysOtherwise(@TempDir Path tmp) {
    String openAi = "\"https://api.openai.com/v1\"";
    assertThat(route(Settings.classify(tmp, "infer.base-url", openAi)).batch()).isTrue();
    assertThat(route(Settings.classify(tmp)).batch()).isFalse(); // another server
    assertThat(
            route(Settings.classify(tmp, "infer.base-url", openAi, "infer.batch-api", "false"))
                .batch())
        .isFalse();
    assertThat(route(Settings.classify(tmp, "infer.batch-api", "true")).batch()).isTrue();
  }

  private static Route route(InferSettings s) {
    return s.router().all().get(0);
  }

  @Test
  void theCallLineNamesRetriesAndFailures() {
    assertThat(InferAction.callSummary(40, 0.0123, 15, 12, Map.of()))
        .isEqualTo("40 calls, 0.0123 USD; 15 retries on 12 calls, 0 failed");
    assertThat(InferAction.callSummary(3, 0, 0, 0, Map.of("HTTP 500", 2L, "timed out", 1L)))
        .isEqualTo("3 calls, 0.0000 USD; 0 retries, 3 failed {HTTP 500=2, timed out=1}");
  }

  /** Bad request lines name their file and line, counted as an editor counts them. */
  @Test
  void rejectedLinesAreNumberedInTheirOwnFile(@TempDir Path tmp) throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Files.write(
        in.resolve("a.jsonl"),
        List.of(
            "{\"request_id\": \"a1\", \"text\": \"fine\"}",
            "",
            "{\"request_id\": \"a2\", \"text\": ",
            "{\"text\": \"no id\"}"));
    Files.write(
        in.resolve("b.jsonl"),
        List.of("{\"request_id\": \"b1\", \"text\": \"fine\"}", "not json at all"));
    Files.write(in.resolve("c.jsonl"), List.of("{\"request_id\": \"c1\", \"text\": \"fine\"}"));
    Path prompt = Files.createDirectories(tmp.resolve("prompt"));
    Files.writeString(prompt.resolve("user.txt"), "{{text}}");
    BatchConfig config =
        BatchConfig.load(
            List.of(
                BatchConfig.parsePairs(
                    "test",
                    Map.of(
                        "infer.input",
                        quote(in.toString()),
                        "infer.prompt",
                        quote(prompt.toString()),
                        "infer.model",
                        "m",
                        "infer.base-url",
                        "\"http://127.0.0.1:1/v1\"",
                        "infer.unpriced",
                        "true",
                        "output.root",
                        quote(tmp.resolve("out").toString())))));
    SparkSession spark = LocalSpark.session();
    InferSettings s = InferSettings.from(config, new Configuration());
    Dataset<Row> input = RequestInput.read(new JobRun(spark, "infer", config), s);
    Dataset<Row> rejected =
        RecordRows.present(RequestInput.prepare(s, input, "run-1"), "quarantined");

    List<String> sources =
        RequestInput.numbered(s, input, rejected, "run-1")
            .select("source")
            .as(Encoders.STRING())
            .collectAsList()
            .stream()
            .map(x -> x.substring(x.lastIndexOf('/') + 1))
            .sorted()
            .toList();
    assertThat(sources)
        .containsExactly(
            "a.jsonl:3: {\"request_id\": \"a2\", \"text\": ",
            "a.jsonl:4: {\"text\":\"no id\"}",
            "b.jsonl:2: not json at all");
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
