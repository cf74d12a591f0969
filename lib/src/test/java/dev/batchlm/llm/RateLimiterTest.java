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
  void spacesRequestsAfterOneSecondsBurst() {
    RateLimiter limiter = new RateLimiter(120, 0, () -> now, sleeper); // 2/s, burst 2
    List<Long> sentAt = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      limiter.acquire(0);
      sentAt.add(now / 1_000_000);
    }
    // two at once, then one every 500 ms: the 10th at (10 - 2) * 500 ms
    assertThat(sentAt)
        .containsExactly(0L, 0L, 500L, 1000L, 1500L, 2000L, 2500L, 3000L, 3500L, 4000L);
  }

  @Test
  void tokensGoIntoDebtAndSettleByTheReportedUsage() {
    RateLimiter limiter = new RateLimiter(0, 6000, () -> now, sleeper); // 100 tokens/s, burst 100
    limiter.acquire(250); // 150 in debt: 1.5 s
    assertThat(sleeps).containsExactly(1500L);
    limiter.settle(250, 50); // only 50 used: 200 back, the bucket is full again
    now += 0;
    limiter.acquire(100);
    assertThat(sleeps).hasSize(1);
    limiter.acquire(50); // empty bucket: 0.5 s
    assertThat(sleeps).containsExactly(1500L, 500L);
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
