package dev.batchlm.infer;

import dev.batchlm.llm.batch.BatchStatus;
import java.time.Instant;
import java.util.Set;

/**
 * One row of {@code llm_batches}: where one batch stands. {@code state} is the provider's ({@link
 * BatchStatus}) or one of batchlm's own: {@code submitting} (the input is written and the batch
 * about to be made: a run killed now left it without an id), {@code collected} (every line of its
 * results is in {@code llm_cache} or accounted as an error), {@code split} (refused as too large
 * and sent as two halves) and {@code refused} (the provider would not take it; its requests
 * failed). {@code cost_usd}: what its answered lines cost at the batch rate, once collected.
 */
public record BatchRecord(
    String ref,
    String route,
    String provider,
    String model,
    String batchId,
    String state,
    String inputFile,
    String inputFileId,
    long requests,
    long bytes,
    Double worstCaseUsd,
    long succeeded,
    long failed,
    Double costUsd,
    String runId,
    Instant recordedAt,
    String message) {
  /** States after which nothing more will come of a batch. */
  public static final Set<String> DONE = Set.of("collected", "split", "refused");

  /** Not yet collected: a later run adopts it. */
  public boolean open() {
    return !DONE.contains(state);
  }

  /** This batch as the provider now reports it. */
  BatchRecord with(BatchStatus s, String runId, Instant at) {
    return new BatchRecord(
        ref,
        route,
        provider,
        model,
        s.id(),
        s.state(),
        inputFile,
        s.inputFileId() != null ? s.inputFileId() : inputFileId,
        requests,
        bytes,
        worstCaseUsd,
        s.succeeded(),
        s.failed(),
        costUsd,
        runId,
        at,
        s.message());
  }

  /** This batch in one of batchlm's own states. */
  BatchRecord in(
      String newState, long ok, long bad, Double cost, String runId, Instant at, String why) {
    return new BatchRecord(
        ref,
        route,
        provider,
        model,
        batchId,
        newState,
        inputFile,
        inputFileId,
        requests,
        bytes,
        worstCaseUsd,
        ok,
        bad,
        cost,
        runId,
        at,
        why);
  }
}
