package dev.batchlm.pipeline.infer;

import dev.batchlm.spark.RecordRows;
import java.io.Serializable;
import java.util.List;

/**
 * A request's end: its {@code inference_results} row (the components are the table's columns, in
 * order), and what its cache hits saved, for the cost ledger.
 */
record Finished(
    String runId,
    String requestId,
    String promptName,
    String promptVersion,
    String modelAlias,
    String route,
    String provider,
    String model,
    String params,
    String cacheKey,
    boolean cacheHit,
    String outputText,
    String outputJson,
    boolean valid,
    String validationError,
    String finishReason,
    long inputTokens,
    long outputTokens,
    long cachedTokens,
    long reasoningTokens,
    Double costUsd,
    long latencyMs,
    double deviceMs,
    int attempts,
    List<String> contextChunkIds,
    String error,
    String messages,
    Double costSavedUsd,
    String batchId)
    implements Serializable {
  static final RecordRows<Finished> ROWS = RecordRows.of(Finished.class);
  static final String REQUEST_ID = RecordRows.columnName("requestId");

  /** A request that could not be built (a missing variable, bad messages): never sent. */
  static Finished unanswerable(
      String runId,
      InferSettings s,
      String requestId,
      String alias,
      String params,
      List<String> contextChunkIds,
      String error) {
    return new Finished(
        runId,
        requestId,
        s.promptName(),
        s.promptVersion(),
        alias,
        null,
        null,
        null,
        params,
        null,
        false,
        null,
        null,
        false,
        null,
        null,
        0,
        0,
        0,
        0,
        0.0,
        0,
        0,
        0,
        contextChunkIds,
        error,
        null,
        0.0,
        null);
  }
}
