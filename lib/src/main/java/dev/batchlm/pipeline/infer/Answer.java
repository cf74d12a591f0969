package dev.batchlm.pipeline.infer;

import dev.batchlm.infer.Dispatcher;
import java.io.Serializable;

/**
 * One answer to a keyed request, from the cache or from a call; a failed call has {@code callError}
 * and no text. {@code hit}: this run paid nothing for it. {@code batchId}: the provider batch that
 * answered (or failed) it, null for a synchronous call or a cache hit.
 */
record Answer(
    String cacheKey,
    String route,
    String provider,
    String model,
    String outputText,
    String finishReason,
    Spent spent,
    String callError,
    boolean hit,
    String batchId)
    implements Serializable {

  /** A cached answer: free now, and its original cost saved. */
  static Answer cached(CacheEntry e) {
    Spent spent =
        new Spent(
            0,
            e.inputTokens(),
            e.outputTokens(),
            e.cachedTokens(),
            e.reasoningTokens(),
            0,
            e.costUsd() == null ? 0 : e.costUsd(),
            0,
            0);
    return new Answer(
        e.cacheKey(),
        e.route(),
        e.provider(),
        e.model(),
        e.outputText(),
        e.finishReason(),
        spent,
        null,
        true,
        null);
  }

  /** What one call (with its retries and fallbacks) came back with. */
  static Answer called(Dispatcher.Outcome o) {
    if (!o.ok()) {
      Spent spent = new Spent(o.attempts(), 0, 0, 0, 0, 0, 0, o.latencyMillis(), o.deviceMillis());
      return new Answer(null, null, null, null, null, null, spent, o.error(), false, null);
    }
    var usage = o.response().usage();
    Spent spent =
        new Spent(
            o.attempts(),
            usage.input(),
            usage.output(),
            usage.cachedInput(),
            usage.reasoning(),
            o.costUsd() == null ? 0 : o.costUsd(),
            0,
            o.latencyMillis(),
            o.deviceMillis());
    return new Answer(
        o.cacheKey(),
        o.route().name(),
        o.route().provider(),
        o.route().model(),
        o.response().text(),
        o.response().finishReason(),
        spent,
        null,
        false,
        null);
  }

  /**
   * The answer as an identical request that did not call sees it: a cache hit for this run, the
   * caller's cost saved. A failed call fails both alike.
   */
  Answer shared() {
    if (callError != null) {
      return this;
    }
    Spent s = spent;
    Spent free =
        new Spent(
            0,
            s.inputTokens(),
            s.outputTokens(),
            s.cachedTokens(),
            s.reasoningTokens(),
            0,
            s.costUsd(),
            0,
            0);
    return new Answer(
        cacheKey, route, provider, model, outputText, finishReason, free, null, true, batchId);
  }
}
