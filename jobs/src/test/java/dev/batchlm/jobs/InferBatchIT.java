package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.table.CostLedger;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.testing.FakeBatchServer;
import dev.batchlm.testing.LocalSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** infer.mode = batch in local Spark against a loopback server with OpenAI's Batch API. */
class InferBatchIT {
  static SparkSession spark;
  FakeBatchServer server;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = LocalSpark.session();
  }

  @BeforeEach
  void startServer() throws Exception {
    server = new FakeBatchServer().responder(q -> "{\"category\": \"bug\", \"urgency\": 2}");
    server.usage(1000, 200); // every answer: 1000 input and 200 output tokens
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  Cli infer(Path input, Path root, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "infer",
                "--input",
                input.toString(),
                "--output",
                root.toString(),
                "--run-date",
                "2026-11-27",
                "--set",
                "infer.prompt=classify",
                "--set",
                "infer.model=gpt-4o-mini",
                "--set",
                "infer.base-url=\"" + server.baseUrl() + "\"",
                "--set",
                "infer.mode=batch",
                "--set",
                "infer.batch-api=true",
                "--set",
                "infer.batch.poll-seconds=0.01",
                "--set",
                "infer.batch.max-poll-seconds=0.05"));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  Path tickets(int n, int distinct) throws Exception {
    return Files.write(tmp.resolve("tickets.jsonl"), InferIT.tickets(n, distinct));
  }

  @Test
  void aBatchRunAnswersAtBatchRatesAndARerunPaysNothing() throws Exception {
    server.validatingPolls = 3;
    server.progressPolls = 4;
    server.failEvery = 6; // lines 6, 12, 18: server errors, called again synchronously
    server.dropEvery = 9; // line 9: missing from the output, called again synchronously
    server.reverse = true;
    server.duplicateFirst = true;
    server.unknownLine = true;
    Path in = tickets(30, 20); // 20 distinct texts
    Path root = tmp.resolve("out");

    Cli first = infer(in, root);
    assertThat(first.exitCode).as(first.err).isZero();
    assertThat(server.created()).hasSize(1);
    assertThat(server.paid()).hasSize(20).allSatisfy((q, n) -> assertThat(n).isEqualTo(1));

    List<Row> rows =
        spark
            .read()
            .parquet(root.resolve("inference_results/run_date=2026-11-27").toString())
            .collectAsList();
    assertThat(rows).hasSize(30).allMatch(r -> r.<Boolean>getAs(InferenceResults.VALID));
    long viaBatch =
        rows.stream()
            .filter(r -> !r.<Boolean>getAs(InferenceResults.CACHE_HIT))
            .filter(r -> r.getAs(InferenceResults.BATCH_ID) != null)
            .count();
    assertThat(viaBatch).isEqualTo(16);

    // by hand: gpt-4o-mini is 0.15 / 0.60 USD per million input / output tokens, half in batches
    // sync: (1000 × 0.15 + 200 × 0.60) / 1e6 = 270e-6 USD an answer; batch: 135e-6
    Map<Boolean, Row> ledger =
        spark.read().parquet(root.resolve("cost_ledger").toString()).collectAsList().stream()
            .collect(Collectors.toMap(r -> r.<Boolean>getAs(CostLedger.BATCH), r -> r));
    assertThat(ledger.get(true).<Double>getAs(CostLedger.COST_USD))
        .isCloseTo(16 * 135e-6, within(1e-12));
    assertThat(ledger.get(false).<Double>getAs(CostLedger.COST_USD))
        .isCloseTo(4 * 270e-6, within(1e-12));

    // the two result lines that matched no request, quarantined with where they were
    List<Row> bad = spark.read().parquet(root.resolve("quarantine").toString()).collectAsList();
    assertThat(bad)
        .hasSize(2)
        .allMatch(r -> r.<String>getAs("error_class").equals("batch_result_unmatched"));
    assertThat(bad.stream().map(r -> r.<String>getAs("message")))
        .anyMatch(m -> m.contains("comes again"))
        .anyMatch(m -> m.contains("'never-sent' was not sent"));

    // the batch's life in llm_batches, readable as any table
    List<String> states =
        spark
            .read()
            .parquet(root.resolve("llm_batches").toString())
            .orderBy("recorded_at")
            .collectAsList()
            .stream()
            .map(r -> r.<String>getAs("state"))
            .toList();
    assertThat(states.get(0)).isEqualTo("submitting");
    assertThat(states).contains("validating", "in_progress", "completed");
    assertThat(states.get(states.size() - 1)).isEqualTo("collected");

    // the next input: the same 30 tickets and two new texts; only those are sent
    Cli again = infer(tickets(32, 22), root);
    assertThat(again.exitCode).as(again.err).isZero();
    assertThat(server.created()).hasSize(2);
    assertThat(server.paid()).hasSize(22).allSatisfy((q, n) -> assertThat(n).isEqualTo(1));
  }

  @Test
  void aSynchronousRunNeverCallsWhatAnOpenBatchHoldsAndCollectsItOnceEnded() throws Exception {
    server.hold = true;
    Path in = tickets(10, 10);
    Path root = tmp.resolve("out");
    // submits and stops waiting at once: the batch stays open
    Cli submit = infer(in, root, "--set", "infer.batch.wait-minutes=0");
    assertThat(submit.exitCode).as(submit.err).isZero();
    assertThat(server.created()).hasSize(1);

    Cli sync = infer(in, root, "--set", "infer.mode=sync");
    assertThat(sync.exitCode).as(sync.err).isZero();
    assertThat(server.paidTotal()).as("nothing of the open batch called synchronously").isZero();
    List<Row> waiting =
        spark
            .read()
            .parquet(root.resolve("inference_results/run_date=2026-11-27").toString())
            .collectAsList();
    assertThat(waiting)
        .hasSize(10)
        .allMatch(r -> r.<String>getAs(InferenceResults.ERROR).contains("adopts it"));

    server.finishAll(); // by the next night
    Cli collect = infer(in, root, "--set", "infer.mode=sync");
    assertThat(collect.exitCode).as(collect.err).isZero();
    assertThat(server.created()).hasSize(1);
    assertThat(server.paid()).hasSize(10).allSatisfy((q, n) -> assertThat(n).isEqualTo(1));
    List<Row> done =
        spark
            .read()
            .parquet(root.resolve("inference_results/run_date=2026-11-27").toString())
            .collectAsList();
    assertThat(done).hasSize(10).allMatch(r -> r.getAs(InferenceResults.ERROR) == null);
  }

  @Test
  void aDryRunShowsTheSyncAndBatchWorstCases() throws Exception {
    Path in = tickets(12, 12);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    Cli run;
    try {
      run = infer(in, tmp.resolve("out"), "--dry-run");
    } finally {
      System.setOut(old);
    }
    assertThat(run.exitCode).as(run.err).isZero();
    assertThat(server.created()).isEmpty();
    Matcher m =
        Pattern.compile(
                "≤ ([0-9.]+) USD synchronously, ≤ ([0-9.]+) USD in batches \\(this run: batches\\)")
            .matcher(out.toString(StandardCharsets.UTF_8));
    assertThat(m.find()).as(out.toString(StandardCharsets.UTF_8)).isTrue();
    assertThat(Double.parseDouble(m.group(2)))
        .isCloseTo(Double.parseDouble(m.group(1)) / 2, within(1e-4));
  }

  @Test
  void batchModeNamesARouteWithoutABatchApi() throws Exception {
    Cli run = infer(tickets(3, 3), tmp.resolve("out"), "--set", "infer.batch-api=false");
    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err)
        .contains("infer.mode = batch, but route(s) [gpt-4o-mini] have no Batch API");
  }
}
