package dev.batchlm.infer;

import static java.util.Objects.requireNonNull;

import dev.batchlm.cache.CacheEntry;
import dev.batchlm.cache.CacheKeys;
import dev.batchlm.cost.Budget;
import dev.batchlm.cost.Price;
import dev.batchlm.llm.ChatClient;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.LlmException;
import dev.batchlm.llm.Route;
import dev.batchlm.llm.TokenUsage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one task's requests, at most {@code maxInFlight} at a time. Each request walks its route
 * chain: an answer is priced, committed to the cache (the slot stays taken until it is durable) and
 * returned; a retriable failure that outlived its attempts, or a prompt too long for the route's
 * context, moves on to the next route; any other failure ends the request with its error. A request
 * whose worst-case cost does not fit the budget is not sent. Never throws for one request: every
 * job ends with an {@link Outcome}. Spark-free; one per task.
 */
public final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

  private final Function<Route, ChatClient> clients;
  private final Function<Route, Optional<Price>> prices;
  private final Budget budget;
  private final int maxInFlight;
  private final Consumer<CacheEntry> cache;
  private final String runId;
  private final long defaultMaxTokens;

  /** One request to send: its id (for logs and the cache row), its routes, its estimated input. */
  public record Job(String id, List<Route> chain, ChatRequest request, long inputTokens) {
    public Job {
      requireNonNull(id, "id");
      chain = List.copyOf(chain);
    }
  }

  /**
   * How a job ended: the answer with the route, key and cost ({@code null}: unpriced), or the
   * error; attempts and latency summed over the routes tried.
   */
  public record Outcome(
      Job job,
      Route route,
      String cacheKey,
      dev.batchlm.llm.ChatResponse response,
      Double costUsd,
      String error,
      int attempts,
      long latencyMillis,
      double deviceMillis) {
    public boolean ok() {
      return response != null;
    }
  }

  public Dispatcher(
      Function<Route, ChatClient> clients,
      Function<Route, Optional<Price>> prices,
      Budget budget,
      int maxInFlight,
      Consumer<CacheEntry> cache,
      String runId,
      long defaultMaxTokens) {
    this.clients = clients;
    this.prices = prices;
    this.budget = budget;
    this.maxInFlight = maxInFlight;
    this.cache = cache;
    this.runId = runId;
    this.defaultMaxTokens = defaultMaxTokens;
  }

  /** Runs every job; outcomes in the order of {@code jobs}. */
  public List<Outcome> run(List<Job> jobs) {
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, Math.min(maxInFlight, jobs.size())),
            r -> {
              Thread t = new Thread(r, "llm-call");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<Outcome>> futures = new ArrayList<>(jobs.size());
      for (Job job : jobs) {
        futures.add(pool.submit(() -> send(job)));
      }
      List<Outcome> out = new ArrayList<>(jobs.size());
      for (Future<Outcome> f : futures) {
        out.add(f.get());
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LlmException.NonRetriable("interrupted while calling models", 0, e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a call failed unexpectedly", e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  Outcome send(Job job) {
    List<String> errors = new ArrayList<>();
    int attempts = 0;
    long latency = 0;
    double device = 0;
    long tooLong = 0; // a context size known to be too small for this prompt
    for (Route route : job.chain()) {
      if (tooLong > 0 && route.maxContextTokens() > 0 && route.maxContextTokens() <= tooLong) {
        errors.add(route.name() + ": skipped, its context is no longer than " + tooLong);
        continue;
      }
      ChatClient client = clients.apply(route);
      String key = CacheKeys.of(route.provider(), route.model(), job.request());
      Optional<Price> price = prices.apply(route);
      long maxOut = job.request().maxTokens(defaultMaxTokens);
      double worstCase =
          price.map(p -> p.cost(new TokenUsage(job.inputTokens(), maxOut, 0, 0))).orElse(0.0);
      if (!budget.tryReserve(worstCase)) {
        errors.add(
            String.format(
                java.util.Locale.ROOT,
                "%s: not sent, the budget is spent (%.4f USD committed; raise infer.budget-usd"
                    + " and rerun: answered requests come from the cache)",
                route.name(),
                budget.committedUsd()));
        break;
      }
      ChatClient.Call call = client.call(job.request(), job.inputTokens() + maxOut);
      attempts += call.attempts();
      latency += call.latencyMillis();
      device += call.ok() ? call.response().deviceMillis() : 0;
      if (call.ok()) {
        // a local model's share of device time (an HTTP route has none, and no device rate)
        Double cost =
            price
                .map(p -> p.cost(call.response().usage(), call.response().deviceMillis()))
                .orElse(null);
        budget.settle(worstCase, cost == null ? 0 : cost);
        try {
          cache.accept(
              new CacheEntry(
                  key,
                  route.provider(),
                  route.model(),
                  route.name(),
                  call.response(),
                  cost,
                  call.latencyMillis(),
                  job.id(),
                  runId,
                  Instant.now()));
        } catch (RuntimeException e) {
          // the answer still reaches this run's results; only a rerun would pay for it again
          LOG.warn("Answer to {} not cached: {}", job.id(), e.getMessage());
        }
        return new Outcome(job, route, key, call.response(), cost, null, attempts, latency, device);
      }
      budget.settle(worstCase, 0);
      LlmException e = call.error();
      errors.add(route.name() + ": " + e.getMessage());
      if (e instanceof LlmException.ContextLength) {
        tooLong = Math.max(tooLong, route.maxContextTokens());
      }
      boolean fallBack =
          e instanceof LlmException.Retriable || e instanceof LlmException.ContextLength;
      if (!fallBack) {
        break;
      }
    }
    return new Outcome(
        job, null, null, null, null, String.join("; ", errors), attempts, latency, device);
  }
}
