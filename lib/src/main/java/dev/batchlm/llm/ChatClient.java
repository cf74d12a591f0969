package dev.batchlm.llm;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The shared path around one route's {@link ChatModel}: every attempt waits for the route's {@link
 * RateLimiter} (retries count against the limits too), retriable failures are retried by the
 * route's {@link RetryPolicy} (Retry-After honoured), and the reported usage settles the token
 * bucket. Thread-safe.
 */
public final class ChatClient {
  private final Route route;
  private final ChatModel model;
  private final RateLimiter limiter;
  private final RetryPolicy retry;
  private final RetryPolicy.Sleeper sleeper;

  /** The answer with the attempts it took, or the failure with them. */
  public record Call(ChatResponse response, LlmException error, int attempts, long latencyMillis) {
    public boolean ok() {
      return response != null;
    }
  }

  public ChatClient(
      Route route,
      ChatModel model,
      RateLimiter limiter,
      RetryPolicy retry,
      RetryPolicy.Sleeper sleeper) {
    this.route = route;
    this.model = model;
    this.limiter = limiter;
    this.retry = retry;
    this.sleeper = sleeper;
  }

  public Route route() {
    return route;
  }

  public ChatModel model() {
    return model;
  }

  /** Calls until success, a non-retriable failure or the retry policy gives up; never throws. */
  public Call call(ChatRequest request, long estimatedTokens) {
    int[] attempts = {0};
    long start = System.nanoTime();
    try {
      ChatResponse response =
          retry.run(
              () -> {
                attempts[0]++;
                limiter.acquire(estimatedTokens);
                try {
                  ChatResponse r = model.chat(request);
                  limiter.settle(estimatedTokens, r.usage().total());
                  return r;
                } catch (LlmException e) {
                  limiter.settle(estimatedTokens, 0);
                  throw e;
                }
              },
              ThreadLocalRandom.current(), // backoff jitter: any source will do
              sleeper);
      return new Call(response, null, attempts[0], (System.nanoTime() - start) / 1_000_000);
    } catch (LlmException e) {
      return new Call(null, e, attempts[0], (System.nanoTime() - start) / 1_000_000);
    } catch (RuntimeException e) {
      return new Call(
          null,
          new LlmException.NonRetriable(
              route.name() + ": " + e.getClass().getSimpleName() + ": " + e.getMessage(), 0, e),
          attempts[0],
          (System.nanoTime() - start) / 1_000_000);
    }
  }
}
