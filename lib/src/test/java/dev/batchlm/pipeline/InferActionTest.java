package dev.batchlm.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class InferActionTest {
  /** A run whose server failed a third of the calls before they succeeded says so at INFO. */
  @Test
  void theCallLineNamesRetriesAndFailures() {
    assertThat(InferAction.callSummary(40, 0.0123, 15, 12, Map.of()))
        .isEqualTo("40 calls, 0.0123 USD; 15 retries on 12 calls, 0 failed");
    assertThat(InferAction.callSummary(3, 0, 0, 0, Map.of("HTTP 500", 2L, "timed out", 1L)))
        .isEqualTo("3 calls, 0.0000 USD; 0 retries, 3 failed {HTTP 500=2, timed out=1}");
  }
}
