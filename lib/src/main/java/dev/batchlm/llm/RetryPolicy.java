package dev.batchlm.llm;

import java.io.Serializable;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Bounded retries of {@link LlmException.Retriable} failures: at most {@code maxAttempts} calls and
 * {@code totalBudgetMillis} in all; between attempts the server's Retry-After when given, else
 * exponential backoff ({@code baseDelayMillis · 2^attempt}, capped at {@code maxDelayMillis}) with
 * full jitter. Non-retriable failures are thrown at once.
 */
public record RetryPolicy(
    int maxAttempts, long baseDelayMillis, long maxDelayMillis, long totalBudgetMillis)
    implements Serializable {

  public static RetryPolicy none() {
    return new RetryPolicy(1, 0, 0, Long.MAX_VALUE);
  }

  public <T> T run(Supplier<T> call, Random jitter, Sleeper sleeper) {
    long start = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (LlmException.Retriable e) {
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        long wait =
            e.retryAfterMillis() >= 0
                ? e.retryAfterMillis()
                : (long)
                    (jitter.nextDouble()
                        * Math.min(maxDelayMillis, baseDelayMillis << Math.min(30, attempt - 1)));
        if (attempt >= maxAttempts || elapsed + wait > totalBudgetMillis) {
          throw new LlmException.Retriable(
              e.getMessage() + " (gave up after " + attempt + " attempts, " + elapsed + " ms)",
              e.status(),
              e.retryAfterMillis(),
              e);
        }
        sleeper.sleep(wait);
      }
    }
  }

  /** Waiting, replaceable in tests. */
  public interface Sleeper {
    void sleep(long millis);

    Sleeper REAL =
        millis -> {
          try {
            Thread.sleep(millis);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new LlmException.NonRetriable("interrupted while waiting to retry", 0, ie);
          }
        };
  }
}
