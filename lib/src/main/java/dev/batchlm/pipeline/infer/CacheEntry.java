package dev.batchlm.pipeline.infer;

import dev.batchlm.spark.RecordRows;
import java.io.Serializable;
import java.sql.Timestamp;

/** The columns of an {@code llm_cache} row that answer a request (its table class: LlmCache). */
record CacheEntry(
    String cacheKey,
    String route,
    String provider,
    String model,
    String outputText,
    String finishReason,
    long inputTokens,
    long outputTokens,
    long cachedTokens,
    long reasoningTokens,
    Double costUsd,
    Timestamp createdAt)
    implements Serializable {
  static final RecordRows<CacheEntry> ROWS = RecordRows.of(CacheEntry.class);
}
