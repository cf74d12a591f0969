package dev.batchlm.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.batchlm.cache.CacheEntry;
import dev.batchlm.cost.Budget;
import dev.batchlm.cost.Price;
import dev.batchlm.llm.AnthropicChatModel;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.OpenAiChatModel;
import dev.batchlm.llm.RetryPolicy;
import dev.batchlm.llm.Route;
import dev.batchlm.llm.batch.AnthropicBatchApi;
import dev.batchlm.llm.batch.BatchApi;
import dev.batchlm.llm.batch.BatchResult;
import dev.batchlm.llm.batch.BatchStatus;
import dev.batchlm.llm.batch.OpenAiBatchApi;
import dev.batchlm.testing.FakeBatchServer;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The life of batches against a loopback server with both providers' Batch APIs and the faults a
 * real one has; the log on the local Hadoop file system, as infer keeps it.
 */
class BatchRunnerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  // gpt-4o-mini's rates: USD per million input, cached input, output tokens; half off in batches
  private static final Price PRICE = new Price(0.15, 0.075, 0.60, 0.5, 0);

  @TempDir Path tmp;

  /** What one run of the runner produced. */
  private final class Run {
    final List<BatchRunner.Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    final List<CacheEntry> cached = Collections.synchronizedList(new ArrayList<>());
    final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    BatchRunner.Summary summary;

    Map<String, BatchRunner.Outcome> byKey() {
      assertThat(outcomes.stream().map(BatchRunner.Outcome::key)).doesNotHaveDuplicates();
      return outcomes.stream().collect(Collectors.toMap(BatchRunner.Outcome::key, o -> o));
    }
  }

  private BatchLog log() {
    return new BatchLog(
        new org.apache.hadoop.fs.Path(tmp.resolve("llm_batches").toUri()), new Configuration());
  }

  private static Route route(FakeBatchServer server, String provider) {
    return new Route(
        "r",
        provider,
        server.baseUrl(),
        "gpt-4o-mini",
        "",
        "",
        null,
        Map.of(),
        0,
        0,
        0,
        0,
        TIMEOUT.toMillis(),
        1,
        false,
        "",
        true);
  }

  private static BatchApi api(FakeBatchServer server, String provider) {
    return provider.equals("anthropic")
        ? new AnthropicBatchApi(
            new AnthropicChatModel(server.baseUrl(), "gpt-4o-mini", "k", Map.of(), 100, TIMEOUT),
            TIMEOUT)
        : new OpenAiBatchApi(
            new OpenAiChatModel(server.baseUrl(), "gpt-4o-mini", null, null, Map.of(), TIMEOUT),
            TIMEOUT);
  }

  private static List<BatchRunner.Job> jobs(int n) {
    return IntStream.range(0, n)
        .mapToObj(
            i ->
                new BatchRunner.Job(
                    "key" + i,
                    new ChatRequest(
                        List.of(ChatMessage.user("question " + i)),
                        JsonNodeFactory.instance.objectNode().put("max_tokens", 100),
                        null),
                    100))
        .toList();
  }

  private static BatchRunner.Settings settings(String retry, Duration wait) {
    return new BatchRunner.Settings(
        1000, 1 << 20, Duration.ofMillis(1), Duration.ofMillis(5), wait, retry);
  }

  private Run run(
      BatchApi api,
      Route route,
      BatchRunner.Settings settings,
      Budget budget,
      List<BatchRunner.Job> jobs) {
    Run r = new Run();
    List<BatchRecord> open = log().latest().stream().filter(BatchRecord::open).toList();
    BatchRunner runner =
        new BatchRunner(
            route,
            api,
            Optional.of(PRICE),
            budget,
            log(),
            r.cached::addAll,
            r.outcomes::add,
            r.problems::add,
            "run-" + System.nanoTime(),
            100,
            settings,
            RetryPolicy.Sleeper.REAL,
            System::nanoTime);
    r.summary = runner.run(open, jobs.iterator());
    return r;
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void everyRequestIsAnsweredOnceThroughSlowFaultyBatches(String provider) throws Exception {
    try (FakeBatchServer server = new FakeBatchServer()) {
      server.validatingPolls = 5;
      server.progressPolls = 8;
      server.failEvery = 5;
      server.expireEvery = 7;
      server.dropEvery = 6;
      server.reverse = true;
      server.duplicateFirst = true;
      server.unknownLine = true;
      Run run =
          run(
              api(server, provider),
              route(server, provider),
              settings("batch", Duration.ofSeconds(30)),
              new Budget(0),
              jobs(20));

      Map<String, BatchRunner.Outcome> byKey = run.byKey();
      assertThat(byKey).hasSize(20);
      assertThat(byKey.values()).allMatch(BatchRunner.Outcome::ok);
      assertThat(byKey.get("key3").response().text()).isEqualTo("echo: question 3");
      // lines 5, 10, 15, 20 failed, 7 and 14 expired, 6, 12, 18 went missing: sent once more
      assertThat(server.created()).hasSize(2);
      assertThat(server.paid()).hasSize(20).allSatisfy((q, n) -> assertThat(n).isEqualTo(1));
      assertThat(run.cached).hasSize(20);
      assertThat(run.problems)
          .anyMatch(p -> p.contains("comes again (the first line is kept)"))
          .anyMatch(p -> p.contains("'never-sent' was not sent in this batch"));
      assertThat(byKey.values()).noneMatch(o -> o.response().text().startsWith("DUPLICATE"));
      assertThat(log().latest()).hasSize(2).allMatch(r -> r.state().equals("collected"));
      assertThat(run.summary.submitted()).isEqualTo(2);
      assertThat(run.summary.open()).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void failedLinesAreLeftToTheCallerOrFailForGood(String provider) throws Exception {
    try (FakeBatchServer server = new FakeBatchServer()) {
      server.failEvery = 4;
      server.invalidEvery = 3;
      Run run =
          run(
              api(server, provider),
              route(server, provider),
              settings("sync", Duration.ofSeconds(30)),
              new Budget(0),
              jobs(12));
      Map<String, BatchRunner.Outcome> byKey = run.byKey();
      // lines 4, 8, 12 (server errors) are worth a synchronous call; 3, 6, 9 (invalid) are not
      assertThat(byKey.get("key3").retriable()).isTrue();
      assertThat(byKey.get("key7").retriable()).isTrue();
      assertThat(byKey.get("key2").ok()).isFalse();
      assertThat(byKey.get("key2").retriable()).isFalse();
      assertThat(byKey.values().stream().filter(BatchRunner.Outcome::ok)).hasSize(6);
      assertThat(server.created()).hasSize(1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void aBatchRefusedForItsSizeIsSentInHalves(String provider) throws Exception {
    try (FakeBatchServer server = new FakeBatchServer()) {
      server.maxUploadBytes = 1200; // a few lines
      Run run =
          run(
              api(server, provider),
              route(server, provider),
              settings("none", Duration.ofSeconds(30)),
              new Budget(0),
              jobs(16));
      assertThat(run.byKey()).hasSize(16).allSatisfy((k, o) -> assertThat(o.ok()).isTrue());
      assertThat(server.created().size()).isGreaterThanOrEqualTo(2);
      assertThat(server.paidTotal()).isEqualTo(16);
      assertThat(log().latest()).anyMatch(r -> r.state().equals("split"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void aRunThatStopsWaitingLeavesItsBatchToTheNextWhichPaysNothingTwice(String provider)
      throws Exception {
    try (FakeBatchServer server = new FakeBatchServer()) {
      server.hold = true;
      Run first =
          run(
              api(server, provider),
              route(server, provider),
              settings("sync", Duration.ZERO),
              new Budget(0),
              jobs(10));
      assertThat(first.summary.open()).isEqualTo(1);
      assertThat(first.byKey().values())
          .allSatisfy(
              o -> {
                assertThat(o.ok()).isFalse();
                assertThat(o.retriable())
                    .as("never called again while its batch is open")
                    .isFalse();
                assertThat(o.error()).contains("adopts it");
              });

      server.release();
      Run second =
          run(
              api(server, provider),
              route(server, provider),
              settings("sync", Duration.ofSeconds(30)),
              new Budget(0),
              jobs(14)); // the same ten and four new ones
      assertThat(second.summary.adopted()).isEqualTo(1);
      assertThat(second.byKey()).hasSize(14).allSatisfy((k, o) -> assertThat(o.ok()).isTrue());
      assertThat(server.created()).hasSize(2); // the adopted one, and one for the four new
      assertThat(server.paid()).hasSize(14).allSatisfy((q, n) -> assertThat(n).isEqualTo(1));
      assertThat(log().latest()).allMatch(r -> !r.open());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void aRunKilledRightAfterMakingABatchHasItAdoptedByTheNext(String provider) throws Exception {
    try (FakeBatchServer server = new FakeBatchServer()) {
      BatchApi real = api(server, provider);
      BatchApi dying = new DiesAfterCreate(real);
      assertThatThrownBy(
              () ->
                  run(
                      dying,
                      route(server, provider),
                      settings("sync", Duration.ofSeconds(30)),
                      new Budget(0),
                      jobs(6)))
          .hasMessage("killed");
      assertThat(log().latest()).singleElement().satisfies(r -> assertThat(r.batchId()).isNull());

      Run next =
          run(
              real,
              route(server, provider),
              settings("sync", Duration.ofSeconds(30)),
              new Budget(0),
              jobs(6));
      assertThat(next.byKey()).hasSize(6).allSatisfy((k, o) -> assertThat(o.ok()).isTrue());
      assertThat(server.created()).hasSize(1);
      assertThat(server.paidTotal()).isEqualTo(6);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void answersCostTheBatchRate(String provider) throws Exception {
    try (FakeBatchServer server = new FakeBatchServer()) {
      server.usage(1000, 200);
      Run run =
          run(
              api(server, provider),
              route(server, provider),
              settings("sync", Duration.ofSeconds(30)),
              new Budget(0),
              jobs(10));
      // (1000 × 0.15 + 200 × 0.60) / 1e6 = 270e-6 USD synchronously; half of it in a batch
      assertThat(run.outcomes).allSatisfy(o -> assertThat(o.costUsd()).isCloseTo(135e-6, within()));
      assertThat(run.cached).allSatisfy(e -> assertThat(e.costUsd()).isCloseTo(135e-6, within()));
      assertThat(run.summary.costUsd()).isCloseTo(1.35e-3, within());
      assertThat(log().latest().get(0).costUsd()).isCloseTo(1.35e-3, within());
      // the worst case reserved: 100 input and 100 output tokens at half the rates, per request
      assertThat(log().latest().get(0).worstCaseUsd()).isCloseTo(10 * 37.5e-6, within());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void theBudgetStopsSendingAndCancelsWhatNoLongerFits(String provider) throws Exception {
    try (FakeBatchServer server = new FakeBatchServer()) {
      // room for five worst cases of 37.5e-6 USD
      Run capped =
          run(
              api(server, provider),
              route(server, provider),
              settings("sync", Duration.ofSeconds(30)),
              new Budget(5.5 * 37.5e-6),
              jobs(10));
      Map<String, BatchRunner.Outcome> byKey = capped.byKey();
      assertThat(byKey.values().stream().filter(BatchRunner.Outcome::ok)).hasSize(5);
      assertThat(byKey.get("key9").error()).contains("the budget is spent");
      assertThat(server.paidTotal()).isEqualTo(5);

      server.hold = true;
      List<BatchRunner.Job> more = jobs(20).subList(10, 20);
      run(
          api(server, provider),
          route(server, provider),
          settings("sync", Duration.ZERO),
          new Budget(0),
          more);
      Run lowered =
          run(
              api(server, provider),
              route(server, provider),
              settings("sync", Duration.ofSeconds(30)),
              new Budget(37.5e-6),
              more);
      String cancelled = server.created().get(server.created().size() - 1);
      assertThat(server.state(cancelled)).isEqualTo("cancelled");
      assertThat(lowered.summary.ended()).containsEntry("cancelled", 1);
      // what the provider answered before it stopped is kept; the rest may be called again
      Map<String, BatchRunner.Outcome> after = lowered.byKey();
      assertThat(after.values().stream().filter(BatchRunner.Outcome::ok)).hasSize(5);
      assertThat(after.values().stream().filter(BatchRunner.Outcome::retriable)).hasSize(5);
    }
  }

  private static org.assertj.core.data.Offset<Double> within() {
    return org.assertj.core.data.Offset.offset(1e-12);
  }

  /** The provider makes the batch; the process dies before the answer is recorded. */
  private record DiesAfterCreate(BatchApi api) implements BatchApi {
    @Override
    public String inputLine(String customId, ChatRequest request) {
      return api.inputLine(customId, request);
    }

    @Override
    public BatchStatus create(Supplier<InputStream> lines, long bytes, int requests, String tag) {
      api.create(lines, bytes, requests, tag);
      throw new Error("killed");
    }

    @Override
    public BatchStatus status(String batchId) {
      return api.status(batchId);
    }

    @Override
    public BatchStatus cancel(String batchId) {
      return api.cancel(batchId);
    }

    @Override
    public void results(BatchStatus ended, Consumer<BatchResult> line) {
      api.results(ended, line);
    }

    @Override
    public Optional<BatchStatus> find(String tag, long after, int requests) {
      return api.find(tag, after, requests);
    }
  }
}
