package dev.batchlm.llm.batch;

import java.util.Set;

/**
 * Where a batch stands, in OpenAI's words for every provider: {@code validating}, {@code
 * in_progress}, {@code finalizing}, {@code cancelling} while it runs; {@code completed}, {@code
 * failed} (the whole batch refused), {@code expired} (the window passed; answered lines are kept)
 * or {@code cancelled} once it has ended. The ids name what the provider holds: its input file, and
 * where its results are (OpenAI's output and error files, Anthropic's results URL).
 */
public record BatchStatus(
    String id,
    String state,
    String inputFileId,
    String outputFileId,
    String errorFileId,
    String resultsUrl,
    long succeeded,
    long failed,
    String message) {
  public static final Set<String> ENDED = Set.of("completed", "failed", "expired", "cancelled");

  public boolean ended() {
    return ENDED.contains(state);
  }
}
