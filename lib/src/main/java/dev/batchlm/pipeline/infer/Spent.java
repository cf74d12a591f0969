package dev.batchlm.pipeline.infer;

import java.io.Serializable;

/**
 * What answering a request took: of one call or cache hit, or summed over a request's rounds (an
 * invalid answer repaired is paid again). {@code savedUsd} is what cache hits would have cost.
 */
record Spent(
    int attempts,
    long inputTokens,
    long outputTokens,
    long cachedTokens,
    long reasoningTokens,
    double costUsd,
    double savedUsd,
    long latencyMs,
    double deviceMs)
    implements Serializable {
  static final Spent NOTHING = new Spent(0, 0, 0, 0, 0, 0, 0, 0, 0);

  Spent plus(Spent o) {
    return new Spent(
        attempts + o.attempts,
        inputTokens + o.inputTokens,
        outputTokens + o.outputTokens,
        cachedTokens + o.cachedTokens,
        reasoningTokens + o.reasoningTokens,
        costUsd + o.costUsd,
        savedUsd + o.savedUsd,
        latencyMs + o.latencyMs,
        deviceMs + o.deviceMs);
  }
}
