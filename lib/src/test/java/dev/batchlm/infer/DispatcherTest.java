package dev.batchlm.infer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.cache.CacheEntry;
import dev.batchlm.cache.CacheWriter;
import dev.batchlm.cost.Budget;
import dev.batchlm.cost.Price;
import dev.batchlm.llm.ChatClient;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.llm.ChatModels;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.RateLimiter;
import dev.batchlm.llm.RetryPolicy;
import dev.batchlm.llm.Route;
import dev.batchlm.table.LlmCache;
import dev.batchlm.testing.FakeLlmServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The calling path of one task against a loopback server with injected faults. */
class DispatcherTest {
  FakeLlmServer server;
  final Map<String, ChatClient> clients = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    server = new FakeLlmServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /**
   * Long enough that no answer on a loaded machine times out (a timed-out answer would be paid
   * twice); the server's hangs never answer, so each costs exactly this.
   */
  static final long TIMEOUT_MILLIS = 5_000;

  Route route(String name, String provider, String baseUrl, int maxAttempts) {
    return route(name, provider, baseUrl, maxAttempts, 0);
  }

  Route route(String name, String provider, String baseUrl, int maxAttempts, long context) {
    return new Route(
        name,
        provider,
        baseUrl,
        "m-" + name,
        provider.equals("anthropic") ? "PATH" : "", // any set variable will do as a key
        "",
        null,
        Map.of(),
        0,
        0,
        context,
        0,
        TIMEOUT_MILLIS,
        maxAttempts,
        false,
        "",
        false);
  }

  ChatClient client(Route r) {
    return clients.computeIfAbsent(
        r.name(),
        n ->
            new ChatClient(
                r,
                ChatModels.forRoute(r, new Configuration(), 100),
                RateLimiter.unlimited(),
                new RetryPolicy(r.maxAttempts(), 5, 50, 60_000),
                RetryPolicy.Sleeper.REAL));
  }

  static List<Dispatcher.Job> jobs(int n, List<Route> chain) {
    return IntStream.range(0, n)
        .mapToObj(
            i ->
                new Dispatcher.Job(
                    "r" + i,
                    chain,
                    new ChatRequest(List.of(ChatMessage.user("question " + i)), null, null),
                    10))
        .toList();
  }

  static final Price PRICE = new Price(1.0, 0.5, 2.0, 0, 0);

  @Test
  void withTwentyPercentFaultsEveryRequestEndsAnsweredOrWithAnErrorAndIsPaidOnce(@TempDir Path dir)
      throws Exception {
    server.faults(0.2, 42);
    Route openai = route("openai", "openai", server.baseUrl(), 6);
    Route anthropic = route("anthropic", "anthropic", server.baseUrl(), 6);
    List<Dispatcher.Outcome> outcomes;
    org.apache.hadoop.fs.Path table = new org.apache.hadoop.fs.Path(dir.toString(), "llm_cache");
    try (CacheWriter cache = new CacheWriter(table, "run1-0", new Configuration())) {
      Dispatcher d =
          new Dispatcher(
              this::client, r -> Optional.of(PRICE), new Budget(0), 8, cache::put, "run1", 100);
      List<Dispatcher.Job> jobs = new ArrayList<>(jobs(150, List.of(openai)));
      jobs.addAll(
          jobs(150, List.of(anthropic)).stream()
              .map(j -> new Dispatcher.Job("a" + j.id(), j.chain(), withSuffix(j.request()), 10))
              .toList());
      outcomes = d.run(jobs);
    }
    assertThat(server.faultsInjected()).isGreaterThan(40);
    assertThat(outcomes).hasSize(300);
    for (Dispatcher.Outcome o : outcomes) {
      assertThat(o.ok() || (o.error() != null && !o.error().isBlank())).isTrue();
      if (o.ok()) {
        assertThat(o.response().text()).startsWith("echo: question ");
      }
    }
    long answered = outcomes.stream().filter(Dispatcher.Outcome::ok).count();
    assertThat(answered).isGreaterThanOrEqualTo(295); // 6 attempts at 20%: 1 in 15625 fails
    assertThat(server.paid().values()).allMatch(count -> count == 1);
    assertThat(server.paidTotal()).isEqualTo((int) answered);
    assertThat(server.maxInFlight()).isLessThanOrEqualTo(8);
    // every answer is in the cache files, with its key and cost
    List<Group> rows = read(table);
    assertThat(rows).hasSize((int) answered);
    Dispatcher.Outcome first = outcomes.stream().filter(Dispatcher.Outcome::ok).findFirst().get();
    Group row =
        rows.stream()
            .filter(g -> g.getString(LlmCache.CACHE_KEY, 0).equals(first.cacheKey()))
            .findFirst()
            .orElseThrow();
    assertThat(row.getString(LlmCache.OUTPUT_TEXT, 0)).isEqualTo(first.response().text());
    assertThat(row.getDouble(LlmCache.COST_USD, 0)).isEqualTo(first.costUsd());
  }

  static ChatRequest withSuffix(ChatRequest r) {
    return new ChatRequest(
        List.of(ChatMessage.user(r.messages().get(0).content() + " (anthropic)")), null, null);
  }

  @Test
  void fallsBackOnRetriableAndContextLengthButNotOnOtherErrors() {
    Route dead = route("dead", "openai", "http://127.0.0.1:1/v1", 2);
    Route live = route("live", "openai", server.baseUrl(), 1);
    Dispatcher d =
        new Dispatcher(this::client, r -> Optional.empty(), new Budget(0), 2, e -> {}, "run", 100);
    Dispatcher.Outcome o = d.run(jobs(1, List.of(dead, live))).get(0);
    assertThat(o.ok()).isTrue();
    assertThat(o.route().name()).isEqualTo("live");
    assertThat(o.attempts()).isEqualTo(3);
    assertThat(o.costUsd()).isNull();

    server.script(
        new FakeLlmServer.Reply(400, "{\"error\":\"maximum context length exceeded\"}", null));
    Route small = route("small", "openai", server.baseUrl(), 1, 8192);
    Route alsoSmall = route("also-small", "openai", server.baseUrl(), 1, 8192);
    Route longer = route("longer", "openai", server.baseUrl(), 1, 131072);
    Dispatcher.Outcome ctx = d.run(jobs(1, List.of(small, alsoSmall, longer))).get(0);
    assertThat(ctx.route().name()).isEqualTo("longer");
    assertThat(ctx.attempts()).isEqualTo(2); // also-small was not tried

    server.script(new FakeLlmServer.Reply(401, "invalid key", null));
    Dispatcher.Outcome denied = d.run(jobs(1, List.of(live, longer))).get(0);
    assertThat(denied.ok()).isFalse();
    assertThat(denied.error()).startsWith("live: ").contains("HTTP 401");
  }

  @Test
  void stopsSendingWhenTheBudgetIsSpent() {
    Route r = route("r", "openai", server.baseUrl(), 1);
    // worst case per call: 10 input + 100 output tokens = 10/1e6 + 200/1e6 = 0.00021 USD
    Budget budget = new Budget(0.00021 * 5 + 1e-9);
    List<CacheEntry> cached = Collections.synchronizedList(new ArrayList<>());
    Dispatcher d =
        new Dispatcher(this::client, x -> Optional.of(PRICE), budget, 1, cached::add, "run", 100);
    List<Dispatcher.Outcome> out = d.run(jobs(50, List.of(r)));
    long answered = out.stream().filter(Dispatcher.Outcome::ok).count();
    // real answers cost far less than the worst case, so more than 5 fit, but not all 50
    assertThat(answered).isGreaterThan(5).isLessThan(50);
    assertThat(out.stream().filter(o -> !o.ok()))
        .allMatch(o -> o.error().contains("budget is spent"));
    assertThat(budget.committedUsd()).isLessThanOrEqualTo(0.00021 * 5 + 1e-9);
    assertThat(cached).hasSize((int) answered);
  }

  static List<Group> read(org.apache.hadoop.fs.Path table) throws Exception {
    List<Group> out = new ArrayList<>();
    var fs = table.getFileSystem(new Configuration());
    for (var st : fs.listStatus(table)) {
      String name = st.getPath().getName();
      if (name.startsWith(".") || !name.endsWith(".parquet")) {
        continue;
      }
      try (ParquetReader<Group> r =
          ParquetReader.builder(new GroupReadSupport(), st.getPath()).build()) {
        for (Group g = r.read(); g != null; g = r.read()) {
          out.add(g);
        }
      }
    }
    return out;
  }
}
