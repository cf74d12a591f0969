package dev.batchlm.llm;

import java.util.function.LongSupplier;

/**
 * Requests-per-minute and tokens-per-minute limits of one route within one task, as two token
 * buckets that start empty, refill continuously and hold at most one second's worth (so no minute
 * is front-loaded: a server counting over any window sees at most the rate, plus one second's worth
 * after an idle second). A caller takes one request and its estimated tokens, waiting as long as
 * the buckets need; the buckets may go into debt, so a request larger than a bucket still passes,
 * later callers wait for it. {@link #settle} corrects the token estimate with the usage the
 * provider reported. Thread-safe: callers queue in order of arrival.
 *
 * <p>Written here rather than taken from resilience4j: its limiter refreshes whole periods (a burst
 * of a full period at each boundary) and has no debt for weighted permits.
 */
public final class RateLimiter {
  private final Bucket requests;
  private final Bucket tokens;
  private final LongSupplier nanos;
  private final RetryPolicy.Sleeper sleeper;

  /** Limits ≤ 0 mean unlimited. */
  public RateLimiter(
      double requestsPerMinute,
      double tokensPerMinute,
      LongSupplier nanos,
      RetryPolicy.Sleeper sleeper) {
    this.nanos = nanos;
    this.sleeper = sleeper;
    long now = nanos.getAsLong();
    this.requests = requestsPerMinute > 0 ? new Bucket(requestsPerMinute, now) : null;
    this.tokens = tokensPerMinute > 0 ? new Bucket(tokensPerMinute, now) : null;
  }

  public static RateLimiter unlimited() {
    return new RateLimiter(0, 0, System::nanoTime, RetryPolicy.Sleeper.REAL);
  }

  /** Waits until one request with {@code estimatedTokens} may be sent. */
  public void acquire(long estimatedTokens) {
    long waitNanos;
    synchronized (this) {
      long now = nanos.getAsLong();
      waitNanos = 0;
      if (requests != null) {
        waitNanos = Math.max(waitNanos, requests.take(1, now));
      }
      if (tokens != null) {
        waitNanos = Math.max(waitNanos, tokens.take(estimatedTokens, now));
      }
    }
    if (waitNanos > 0) {
      sleeper.sleep((waitNanos + 999_999) / 1_000_000);
    }
  }

  /** Corrects the token bucket by what the call really used minus what was taken. */
  public synchronized void settle(long estimatedTokens, long actualTokens) {
    if (tokens != null) {
      tokens.available += estimatedTokens - actualTokens;
    }
  }

  private static final class Bucket {
    final double perNano;
    final double capacity;
    double available;
    long last;

    Bucket(double perMinute, long now) {
      this.perNano = perMinute / 60e9;
      this.capacity = Math.max(1, perMinute / 60);
      this.available = 0; // no burst at the start: the tasks of a stage all start at once
      this.last = now;
    }

    /** Takes {@code n}; returns how long the caller must wait for the debt to be repaid. */
    long take(double n, long now) {
      available = Math.min(capacity, available + (now - last) * perNano);
      last = now;
      available -= n;
      return available >= 0 ? 0 : (long) Math.ceil(-available / perNano);
    }
  }
}
