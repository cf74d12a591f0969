package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.table.CostLedger;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.Quarantine;
import dev.batchlm.testing.FakeLlmServer;
import dev.batchlm.testing.LocalSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** infer in local Spark against a loopback server, through the command line. */
class InferIT {
  static final String SECRET = "sk-test-SECRET-4242";
  static SparkSession spark;
  FakeLlmServer server;
  @TempDir Path tmp;
  Path keyFile;

  @BeforeAll
  static void start() {
    spark = LocalSpark.session();
  }

  @BeforeEach
  void startServer() throws Exception {
    server = new FakeLlmServer();
    keyFile = Files.writeString(tmp.resolve("key.txt"), SECRET + "\n");
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  Path requests(String name, List<String> lines) throws Exception {
    return Files.write(tmp.resolve(name), lines, StandardCharsets.UTF_8);
  }

  static List<String> tickets(int n, int distinct) {
    return IntStream.range(0, n)
        .mapToObj(
            i ->
                String.format(
                    "{\"request_id\": \"t%03d\", \"text\": \"ticket number %d\"}", i, i % distinct))
        .toList();
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
                "infer.api-key-file=\"" + keyFile + "\"",
                "--set",
                "infer.timeout-ms=5000",
                "--set",
                "infer.max-concurrency=4"));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  static final ObjectMapper JSON = new ObjectMapper();

  /** Valid classify JSON for tickets, and for the repair message; garbage for "bad" tickets. */
  static String classify(String userMessage) {
    if (userMessage.contains("ticket number 3\n")) {
      return "Sure! It is a bug."; // invalid: repaired once
    }
    return "{\"category\": \"bug\", \"urgency\": " + (userMessage.length() % 5 + 1) + "}";
  }

  List<Row> results(Path root) {
    return spark
        .read()
        .parquet(root.resolve("inference_results/run_date=2026-11-27").toString())
        .orderBy(InferenceResults.REQUEST_ID)
        .collectAsList();
  }

  @Test
  void answersEachDistinctRequestOnceAndARerunCallsNothing() throws Exception {
    server.responder(InferIT::classify);
    Path in = requests("tickets.jsonl", tickets(30, 20)); // 10 repeat an earlier ticket's text
    Path root = tmp.resolve("out");
    Cli first = infer(in, root);
    assertThat(first.exitCode).as(first.err).isZero();
    // 20 distinct tickets; ticket 3 (twice in the input) answered invalid, then repaired once
    assertThat(server.paidTotal()).isEqualTo(21);
    assertThat(server.paid().values()).allMatch(c -> c == 1);
    assertThat(server.authHeaders()).allMatch(h -> h.equals("Bearer " + SECRET));

    List<Row> rows = results(root);
    assertThat(rows).hasSize(30);
    for (Row r : rows) {
      assertThat(r.<Boolean>getAs(InferenceResults.VALID)).as(r.toString()).isTrue();
      assertThat(r.<String>getAs(InferenceResults.ERROR)).isNull();
      assertThat(r.<String>getAs(InferenceResults.OUTPUT_JSON)).contains("\"category\":\"bug\"");
      assertThat(r.<String>getAs(InferenceResults.ROUTE)).isEqualTo("gpt-4o-mini");
      assertThat(r.<String>getAs(InferenceResults.PROMPT_VERSION)).hasSize(16);
    }
    Map<String, Row> byId =
        rows.stream().collect(Collectors.toMap(r -> r.getAs("request_id"), r -> r));
    // t003 paid for the call and its repair; t023 (same text) shared both calls
    assertThat(byId.get("t003").<Integer>getAs(InferenceResults.ATTEMPTS)).isEqualTo(2);
    // the prompt as first sent, whether or not the answer needed a repair
    assertThat(byId.values())
        .allSatisfy(
            r ->
                assertThat(r.<String>getAs(InferenceResults.MESSAGES))
                    .startsWith("[{\"role\":\"system\"")
                    .doesNotContain("Your answer is not valid"));
    assertThat(byId.get("t003").<Boolean>getAs(InferenceResults.CACHE_HIT)).isFalse();
    assertThat(byId.get("t023").<Boolean>getAs(InferenceResults.CACHE_HIT)).isTrue();
    assertThat(byId.get("t023").<Double>getAs(InferenceResults.COST_USD)).isZero();
    long hits = rows.stream().filter(r -> r.<Boolean>getAs(InferenceResults.CACHE_HIT)).count();
    assertThat(hits).isEqualTo(10);
    // cost by hand: gpt-4o-mini at 0.15 / 0.60 USD per million input / output tokens
    double expected =
        rows.stream()
            .filter(r -> !r.<Boolean>getAs(InferenceResults.CACHE_HIT))
            .mapToDouble(
                r ->
                    (r.<Long>getAs(InferenceResults.INPUT_TOKENS) * 0.15
                            + r.<Long>getAs(InferenceResults.OUTPUT_TOKENS) * 0.60)
                        / 1e6)
            .sum();
    Row ledger =
        spark.read().parquet(root.resolve("cost_ledger").toString()).collectAsList().get(0);
    assertThat(ledger.<Long>getAs(CostLedger.REQUESTS)).isEqualTo(30);
    assertThat(ledger.<Long>getAs(CostLedger.CACHE_HITS)).isEqualTo(10);
    assertThat(ledger.<Double>getAs(CostLedger.COST_USD)).isCloseTo(expected, within());
    assertThat(ledger.<Double>getAs(CostLedger.COST_SAVED_USD)).isPositive();
    assertThat(spark.read().parquet(root.resolve("llm_cache").toString()).count()).isEqualTo(21);

    // the same run again is up to date: kept, nothing read, called or written
    assertThat(infer(in, root).exitCode).isZero();
    assertThat(server.requests()).isEqualTo(21);
    assertThat(spark.read().parquet(root.resolve("cost_ledger").toString()).count()).isEqualTo(1);

    // forced, it runs and every answer comes from the cache
    Cli again = infer(in, root, "--force");
    assertThat(again.exitCode).as(again.err).isZero();
    assertThat(server.paidTotal()).isEqualTo(21);
    assertThat(server.requests()).isEqualTo(21);
    List<Row> rerun = results(root);
    assertThat(rerun).allMatch(r -> r.<Boolean>getAs(InferenceResults.CACHE_HIT));
    assertThat(rerun)
        .extracting(r -> r.<String>getAs(InferenceResults.OUTPUT_TEXT))
        .containsExactlyElementsOf(
            rows.stream().map(r -> r.<String>getAs(InferenceResults.OUTPUT_TEXT)).toList());
    List<Row> ledgers =
        spark.read().parquet(root.resolve("cost_ledger").toString()).collectAsList();
    assertThat(ledgers).hasSize(2); // the first run's cost is kept beside the rerun's
    assertThat(ledgers).anySatisfy(l -> assertThat(l.<Double>getAs(CostLedger.COST_USD)).isZero());

    // refresh calls everything again and stores the new answers, which later runs then use
    server.responder(t -> classify(t).replace("\"bug\"", "\"feature\""));
    assertThat(infer(in, root, "--set", "infer.cache=refresh").exitCode).isZero();
    assertThat(server.requests()).isEqualTo(21 + 21);
    assertThat(infer(in, root).exitCode).isZero();
    assertThat(server.requests()).isEqualTo(42);
    assertThat(results(root))
        .allSatisfy(
            r -> assertThat(r.<String>getAs(InferenceResults.OUTPUT_TEXT)).contains("feature"));

    // the key is in no file the runs wrote
    try (var files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
            .as(f.toString())
            .doesNotContain(SECRET);
      }
    }
  }

  static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-12);
  }

  @Test
  void withTwentyPercentFaultsEveryRowEndsAnsweredOrWithAnErrorAndNothingIsPaidTwice()
      throws Exception {
    server.responder(InferIT::classify).faults(0.2, 11);
    Path in = requests("tickets.jsonl", tickets(200, 200));
    Path root = tmp.resolve("out");
    Cli run = infer(in, root, "--set", "infer.max-attempts=8");
    assertThat(run.exitCode).as(run.err).isZero();
    assertThat(server.faultsInjected()).isGreaterThan(30);
    List<Row> rows = results(root);
    assertThat(rows).hasSize(200);
    for (Row r : rows) {
      boolean answered = r.getAs(InferenceResults.OUTPUT_TEXT) != null;
      String error = r.getAs(InferenceResults.ERROR);
      assertThat(answered ^ (error != null && !error.isBlank())).as(r.toString()).isTrue();
    }
    assertThat(rows.stream().filter(r -> r.getAs(InferenceResults.ERROR) == null).count())
        .isGreaterThanOrEqualTo(198);
    assertThat(server.paid().values()).allMatch(c -> c == 1);
    assertThat(server.maxInFlight()).isLessThanOrEqualTo(2 * 4);
  }

  @Test
  void dryRunPrintsThePlanAndCallsNothing() throws Exception {
    Path in = requests("tickets.jsonl", tickets(12, 12));
    Path root = tmp.resolve("out");
    var out = new java.io.ByteArrayOutputStream();
    var old = System.out;
    System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
    Cli run;
    try {
      run = infer(in, root, "--dry-run");
    } finally {
      System.setOut(old);
    }
    assertThat(run.exitCode).as(run.err).isZero();
    assertThat(server.requests()).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("DRY RUN, nothing called. 12 requests, 0 cache hits, 12 calls")
        .contains("gpt-4o-mini (openai gpt-4o-mini): 12 requests, 0 cache hits, 12 calls")
        .contains("+ ≤768 output tokens") // 12 × max_tokens 64 of the classify prompt
        .contains(" USD");
    assertThat(root.resolve("inference_results")).doesNotExist();
  }

  @Test
  void refusesToStartAboveTheBudget() throws Exception {
    Path in = requests("tickets.jsonl", tickets(100, 100));
    Cli run = infer(in, tmp.resolve("out"), "--set", "infer.budget-usd=0.00001");
    assertThat(run.exitCode).isEqualTo(2);
    assertThat(run.err)
        .contains("Refusing to start: the worst-case cost of 100 calls is")
        .contains("infer.budget-usd");
    assertThat(server.requests()).isZero();
  }

  @Test
  void badInputIsNamedBeforeAnyCall() throws Exception {
    Path root = tmp.resolve("out");
    List<String> dup = new ArrayList<>(tickets(5, 5));
    dup.add("{\"request_id\": \"t002\", \"text\": \"again\"}");
    assertThat(infer(requests("dup.jsonl", dup), root).err)
        .contains("has duplicate request ids (request_id), e.g. ['t002' × 2]");
    assertThat(
            infer(
                    requests("novar.jsonl", List.of("{\"request_id\": \"a\", \"body\": \"x\"}")),
                    root)
                .err)
        .contains("Prompt classify uses {{text}} but requests table")
        .contains("has no column 'text'; its columns are: body, request_id");
    Path badPrompt = Files.createDirectories(tmp.resolve("prompts/broken"));
    Files.writeString(badPrompt.resolve("user.txt"), "{{text}}");
    Files.writeString(badPrompt.resolve("schema.json"), "{\"type\": \"objekt\"}");
    assertThat(
            infer(
                    requests("ok.jsonl", tickets(3, 3)),
                    root,
                    "--set",
                    "infer.prompt=\"" + badPrompt + "\"")
                .err)
        .contains("not a valid JSON Schema");
    Path routes =
        Files.writeString(
            tmp.resolve("routes.conf"),
            "aliases { qa { routes = [ { name = a, base-url = \""
                + server.baseUrl()
                + "\", model = gpt-4o-mini } ] } }");
    assertThat(
            infer(
                    requests("ok2.jsonl", tickets(3, 3)),
                    root,
                    "--set",
                    "infer.routes=\"" + routes + "\"",
                    "--set",
                    "infer.model=qaa")
                .err)
        .contains("Unknown model alias 'qaa'")
        .contains("qa");
    Cli noKey =
        infer(
            requests("ok3.jsonl", tickets(3, 3)),
            root,
            "--set",
            "infer.api-key-file=\"\"",
            "--set",
            "infer.api-key-env=BATCHLM_TEST_UNSET_KEY");
    assertThat(noKey.exitCode).isEqualTo(2);
    assertThat(noKey.err).contains("environment variable BATCHLM_TEST_UNSET_KEY is not set");
    Cli unpriced =
        infer(requests("ok4.jsonl", tickets(3, 3)), root, "--set", "infer.model=llama-local");
    assertThat(unpriced.err).contains("No price for openai/llama-local");
    assertThat(server.requests()).isZero();
  }

  /** docs/tables.md: cost_usd is null for an unpriced route, also when no call got an answer. */
  @Test
  void anUnpricedRunWhoseCallsAllFailHasNoCostRatherThanZero() throws Exception {
    Path root = tmp.resolve("dead");
    Cli run =
        infer(
            requests("dead.jsonl", tickets(3, 3)),
            root,
            "--set",
            "infer.model=llama-local",
            "--set",
            "infer.unpriced=true",
            "--set",
            "infer.base-url=\"http://127.0.0.1:9/v1\"", // nothing listens: every call fails
            "--set",
            "infer.max-attempts=1");
    assertThat(run.exitCode).as(run.err).isZero();
    assertThat(results(root))
        .hasSize(3)
        .allSatisfy(
            r -> {
              assertThat(r.<String>getAs(InferenceResults.ERROR)).isNotNull();
              assertThat(r.<Double>getAs(InferenceResults.COST_USD)).isNull();
            });
    Row ledger = spark.read().parquet(root.resolve("cost_ledger").toString()).first();
    assertThat(ledger.<Double>getAs(CostLedger.COST_USD)).isNull();
  }

  @Test
  void quarantinesUnreadableLinesAndAnswersTheRest() throws Exception {
    server.responder(InferIT::classify);
    List<String> lines = new ArrayList<>(tickets(4, 4));
    lines.add(""); // a blank line is no request, and still a line
    lines.add("{\"request_id\": \"broken\", \"text\": ");
    lines.add("{\"request_id\": \"nulltext\", \"text\": null}");
    lines.add("{\"text\": \"a request without its id\", \"tag\": \"t2\"}");
    Path root = tmp.resolve("out");
    Cli run = infer(requests("mixed.jsonl", lines), root);
    assertThat(run.exitCode).as(run.err).isZero();
    List<Row> rows = results(root);
    assertThat(rows).hasSize(5);
    Row nullText =
        rows.stream().filter(r -> r.getAs("request_id").equals("nulltext")).findFirst().get();
    assertThat(nullText.<String>getAs(InferenceResults.ERROR)).isEqualTo("missing variable 'text'");
    List<Row> q =
        spark
            .read()
            .parquet(root.resolve("quarantine/run_date=2026-11-27/stage=infer").toString())
            .collectAsList();
    assertThat(q).hasSize(2);
    Map<String, String> sources =
        q.stream()
            .collect(
                Collectors.toMap(
                    r -> r.<String>getAs(Quarantine.MESSAGE),
                    r -> r.<String>getAs(Quarantine.SOURCE)));
    // file and line number, and the line as it was written (its fields), not a dump of Spark's row
    assertThat(sources.get("not a JSON object line"))
        .contains("mixed.jsonl:6: ")
        .contains("broken");
    assertThat(sources.get("row without request_id"))
        .startsWith(tmp.resolve("mixed.jsonl").toUri().toString())
        .endsWith("mixed.jsonl:8: {\"tag\":\"t2\",\"text\":\"a request without its id\"}");
  }

  @Test
  void openAiBatchLinesGoThroughRoutesWithFallback() throws Exception {
    Path routes =
        Files.writeString(
            tmp.resolve("routes.conf"),
            "aliases { \"gpt-4o-mini\" { routes = [\n"
                + "  { name = down, base-url = \"http://127.0.0.1:1/v1\", model = gpt-4o-mini,"
                + " max-attempts = 1 }\n"
                + "  { name = claude, provider = anthropic, base-url = \""
                + server.baseUrl()
                + "\", model = claude-3-5-haiku-20241022, api-key-file = \""
                + keyFile
                + "\" } ] } }");
    List<String> lines =
        IntStream.range(0, 6)
            .mapToObj(
                i ->
                    "{\"custom_id\": \"b"
                        + i
                        + "\", \"method\": \"POST\", \"url\": \"/v1/chat/completions\", \"body\":"
                        + " {\"model\": \"gpt-4o-mini\", \"messages\": [{\"role\": \"user\","
                        + " \"content\": \"say "
                        + i
                        + "\"}], \"max_tokens\": 20}}")
            .toList();
    Path root = tmp.resolve("out");
    Cli run =
        Cli.run(
            "infer",
            "--input",
            requests("batch.jsonl", lines).toString(),
            "--output",
            root.toString(),
            "--run-date",
            "2026-11-27",
            "--set",
            "infer.format=openai-batch",
            "--set",
            "infer.routes=\"" + routes + "\"");
    assertThat(run.exitCode).as(run.err).isZero();
    List<Row> rows = results(root);
    assertThat(rows).hasSize(6);
    assertThat(rows)
        .allSatisfy(
            r -> {
              assertThat(r.<String>getAs(InferenceResults.ROUTE)).isEqualTo("claude");
              assertThat(r.<String>getAs(InferenceResults.PROVIDER)).isEqualTo("anthropic");
              assertThat(r.<String>getAs(InferenceResults.OUTPUT_TEXT)).startsWith("echo: say ");
              assertThat(r.<Integer>getAs(InferenceResults.ATTEMPTS)).isEqualTo(2);
            });
    assertThat(server.authHeaders()).allMatch(SECRET::equals);
    assertThat(server.bodies()).allMatch(b -> b.path("max_tokens").asInt() == 20);
  }

  @Test
  void ragModePutsTheRetrievedChunksIntoThePrompt() throws Exception {
    Path root = tmp.resolve("out");
    String date = "run_date=2026-11-27";
    spark
        .createDataFrame(
            List.of(
                Row("r", "q1", "hybrid", 2, "c2", "d", 0.5, null, null),
                Row("r", "q1", "hybrid", 1, "c1", "d", 0.9, null, null),
                Row("r", "q2", "hybrid", 1, "c3", "d", 0.9, null, null),
                Row("r", "q2", "bm25", 1, "c1", "d", 0.9, null, null)),
            dev.batchlm.table.Retrievals.SCHEMA)
        .write()
        .parquet(root.resolve("retrievals/" + date).toString());
    spark
        .createDataFrame(
            List.of(
                chunk("c1", "Refunds take 5 days."),
                chunk("c2", "Refunds need a receipt."),
                chunk("c3", "Offices close at 6.")),
            dev.batchlm.table.Chunks.SCHEMA)
        .write()
        .parquet(root.resolve("chunks/" + date).toString());
    Path in =
        requests(
            "q.jsonl",
            List.of(
                "{\"request_id\": \"q1\", \"text\": \"How long do refunds take?\"}",
                "{\"request_id\": \"q2\", \"text\": \"When do offices close?\"}",
                "{\"request_id\": \"q3\", \"text\": \"Unretrieved?\"}"));
    Cli run = infer(in, root, "--set", "infer.prompt=answer", "--set", "infer.rag=true");
    assertThat(run.exitCode).as(run.err).isZero();
    Map<String, Row> byId =
        results(root).stream().collect(Collectors.toMap(r -> r.getAs("request_id"), r -> r));
    assertThat(byId.get("q1").getList(byId.get("q1").fieldIndex("context_chunk_ids")))
        .containsExactly("c1", "c2");
    assertThat(byId.get("q3").getList(byId.get("q3").fieldIndex("context_chunk_ids"))).isEmpty();
    assertThat(byId.get("q1").<String>getAs(InferenceResults.OUTPUT_TEXT))
        .isEqualTo(
            "echo: Context:\n[1] Refunds take 5 days.\n\n[2] Refunds need a receipt.\n\n"
                + "Question: How long do refunds take?");
  }

  @Test
  void aLocalCheckpointIsARouteLikeAnyOther() throws Exception {
    Path model = dev.batchlm.nn.TinyChatModel.write(tmp.resolve("tiny-chat"), 21);
    Path prices =
        Files.writeString(
            tmp.resolve("prices.conf"),
            "prices = [ { provider = local, model = tiny-chat, device-hour = 3.6 } ]");
    Path prompt = Files.createDirectories(tmp.resolve("prompts/say"));
    Files.writeString(prompt.resolve("user.txt"), "say {{text}}");
    Files.writeString(prompt.resolve("prompt.conf"), "params { max_tokens = 6 }");
    Path in =
        requests(
            "local.jsonl",
            List.of(
                "{\"request_id\": \"l1\", \"text\": \"hello\"}",
                "{\"request_id\": \"l2\", \"text\": \"the answer\"}",
                "{\"request_id\": \"long\", \"text\": \"" + "hello ".repeat(80) + "\"}"));
    Path root = tmp.resolve("out");
    String[] local = {
      "--set",
      "infer.prompt=\"" + prompt + "\"",
      "--set",
      "infer.provider=local",
      "--set",
      "infer.model=\"" + model + "\"",
      "--set",
      "infer.prices=\"" + prices + "\""
    };
    Cli run = infer(in, root, local);
    assertThat(run.exitCode).as(run.err).isZero();
    List<Row> rows = new ArrayList<>(results(root));
    // a prompt longer than the model's window is that row's error; the others are answered
    Row tooLong =
        rows.stream().filter(r -> r.getAs("request_id").equals("long")).findFirst().orElseThrow();
    assertThat(tooLong.<String>getAs(InferenceResults.ERROR))
        .contains("does not fit the context window of 64 tokens");
    rows.remove(tooLong);
    assertThat(rows)
        .allSatisfy(
            r -> {
              assertThat(r.<String>getAs(InferenceResults.PROVIDER)).isEqualTo("local");
              assertThat(r.<String>getAs(InferenceResults.ERROR)).isNull();
              assertThat(r.<Long>getAs(InferenceResults.INPUT_TOKENS)).isPositive();
              assertThat(r.<Long>getAs(InferenceResults.OUTPUT_TOKENS)).isBetween(1L, 6L);
              // 3.6 USD per device-hour is 0.000001 USD per millisecond of device time, which
              // is positive and within the call's own time (shared when calls decode together)
              double deviceMs = r.<Double>getAs(InferenceResults.DEVICE_MS);
              assertThat(deviceMs)
                  .isPositive()
                  .isLessThanOrEqualTo(r.<Long>getAs(InferenceResults.LATENCY_MS) + 1.0);
              assertThat(r.<Double>getAs(InferenceResults.COST_USD))
                  .isCloseTo(deviceMs * 1e-6, org.assertj.core.data.Offset.offset(1e-12));
            });
    Row ledger =
        spark
            .read()
            .parquet(root.resolve("cost_ledger").toString())
            .where(org.apache.spark.sql.functions.col(CostLedger.PROVIDER).equalTo("local"))
            .first();
    assertThat(ledger.<Double>getAs(CostLedger.DEVICE_SECONDS))
        .isCloseTo(
            rows.stream().mapToDouble(r -> r.<Double>getAs(InferenceResults.DEVICE_MS)).sum()
                / 1000.0,
            org.assertj.core.data.Offset.offset(1e-9));
    // named by folder and weights hash, never by the path it was read from
    String name = rows.get(0).getAs(InferenceResults.MODEL);
    assertThat(name).matches("tiny-chat@[0-9a-f]{12}");
    assertThat(rows).allMatch(r -> r.getAs(InferenceResults.ROUTE).equals(name));
    assertThat(ledger.<String>getAs(CostLedger.MODEL)).isEqualTo(name);

    // the same checkpoint elsewhere (another machine's path): the same names and cache keys, so
    // every answer comes from the cache
    Path copy = Files.createDirectories(tmp.resolve("elsewhere/models/tiny-chat"));
    try (var files = Files.list(model)) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    local[5] = "infer.model=\"" + copy + "\"";
    assertThat(infer(in, root, local).exitCode).isZero();
    assertThat(results(root))
        .filteredOn(r -> !r.getAs("request_id").equals("long"))
        .allSatisfy(
            r -> {
              assertThat(r.<Boolean>getAs(InferenceResults.CACHE_HIT)).isTrue();
              assertThat(r.<String>getAs(InferenceResults.MODEL)).isEqualTo(name);
            });
    assertThat(server.requests()).isZero();
    // the ledgers: the paying run's tokens were paid; the all-hit run served the same tokens
    // from the cache and paid none
    List<Row> ledgers =
        spark
            .read()
            .parquet(root.resolve("cost_ledger").toString())
            .where(org.apache.spark.sql.functions.col(CostLedger.PROVIDER).equalTo("local"))
            .collectAsList();
    assertThat(ledgers).hasSize(2);
    assertThat(ledgers)
        .filteredOn(r -> r.<Long>getAs(CostLedger.CACHE_HITS) == 0)
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.<Long>getAs(CostLedger.PAID_INPUT_TOKENS))
                    .isEqualTo(r.<Long>getAs(CostLedger.INPUT_TOKENS)));
    assertThat(ledgers)
        .filteredOn(r -> r.<Long>getAs(CostLedger.CACHE_HITS) > 0)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.<Long>getAs(CostLedger.INPUT_TOKENS)).isPositive();
              assertThat(r.<Long>getAs(CostLedger.PAID_INPUT_TOKENS)).isZero();
              assertThat(r.<Long>getAs(CostLedger.PAID_OUTPUT_TOKENS)).isZero();
            });
  }

  static Row Row(Object... v) {
    return org.apache.spark.sql.RowFactory.create(v);
  }

  static Row chunk(String id, String text) {
    return Row("r", id, "d", "sha", 0, text, 0, text.length(), 5, "recursive", "");
  }
}
