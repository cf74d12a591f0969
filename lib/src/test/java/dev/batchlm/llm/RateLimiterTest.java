package dev.batchlm.llm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The limiter on a fake clock: the waits it asks for, derived by hand. */
class RateLimiterTest {
  long now;
  final List<Long> sleeps = new ArrayList<>();
  final RetryPolicy.Sleeper sleeper =
      millis -> {
        sleeps.add(millis);
        now += millis * 1_000_000;
      };

  @Test
  void spacesRequestsEvenlyFromAnEmptyBucket() {
    RateLimiter limiter = new RateLimiter(120, 0, () -> now, sleeper); // 2/s
    List<Long> sentAt = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      limiter.acquire(0);
      sentAt.add(now / 1_000_000);
    }
    // one every 500 ms, the first after 500 ms
    assertThat(sentAt)
        .containsExactly(500L, 1000L, 1500L, 2000L, 2500L, 3000L, 3500L, 4000L, 4500L, 5000L);
    // after an idle while, at most one second's worth (2) goes at once
    now += 3_000_000_000L;
    limiter.acquire(0);
    limiter.acquire(0);
    assertThat(sleeps).hasSize(10);
    limiter.acquire(0);
    assertThat(sleeps).hasSize(11).endsWith(500L);
  }

  @Test
  void tokensGoIntoDebtAndSettleByTheReportedUsage() {
    RateLimiter limiter = new RateLimiter(0, 6000, () -> now, sleeper); // 100 tokens/s
    limiter.acquire(250); // 250 in debt: 2.5 s
    assertThat(sleeps).containsExactly(2500L);
    limiter.settle(250, 50); // only 50 used: 200 back, so the bucket refills to full (100)
    limiter.acquire(100);
    assertThat(sleeps).hasSize(1);
    limiter.acquire(50); // empty bucket: 0.5 s
    assertThat(sleeps).containsExactly(2500L, 500L);
  }

  @Test
  void unlimitedNeverWaits() {
    RateLimiter limiter = new RateLimiter(0, 0, () -> now, sleeper);
    for (int i = 0; i < 1000; i++) {
      limiter.acquire(1_000_000);
    }
    assertThat(sleeps).isEmpty();
  }
}
