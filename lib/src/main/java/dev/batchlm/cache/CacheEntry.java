package dev.batchlm.cache;

import static java.util.Objects.requireNonNull;

import dev.batchlm.llm.ChatResponse;
import java.time.Instant;

/**
 * One paid answer as stored in {@code llm_cache}: the key, who answered (provider family, model,
 * route), the response, what it cost when paid ({@code null}: unpriced) and which request of which
 * run paid for it.
 */
public record CacheEntry(
    String cacheKey,
    String provider,
    String model,
    String route,
    ChatResponse response,
    Double costUsd,
    long latencyMillis,
    String requestId,
    String runId,
    Instant createdAt) {
  public CacheEntry {
    requireNonNull(cacheKey, "cacheKey");
    requireNonNull(response, "response");
  }
}
