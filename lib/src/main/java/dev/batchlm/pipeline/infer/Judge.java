package dev.batchlm.pipeline.infer;

import dev.batchlm.config.ConfigException;
import dev.batchlm.llm.OutputValidator;
import dev.batchlm.llm.Route;
import dev.batchlm.spark.RecordRows;
import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Row;

/**
 * Validates an answer: the request's end (a result row), or, when the answer is invalid and repairs
 * are left, the request again with the error for the next round.
 */
final class Judge implements Function<Judge.Answered, Row> {
  private static final long serialVersionUID = 1L;

  /** A request and the answer it got this round. */
  record Answered(Request request, Answer answer) implements Serializable {}

  /** Exactly one of the two. */
  record Judged(Finished finished, Request repair) implements Serializable {}

  static final RecordRows<Judged> ROWS = RecordRows.of(Judged.class);

  private final InferSettings s;
  private final String runId;
  private final boolean lastRound;
  private final Set<String> unpricedRoutes = new HashSet<>();
  // aliases none of whose routes has a price: a row no route answered costs null there, not 0
  private final Set<String> unpricedAliases = new HashSet<>();
  private transient Map<String, OutputValidator> validators;

  Judge(InferSettings s, String runId, boolean lastRound) {
    this.s = s;
    this.runId = runId;
    this.lastRound = lastRound;
    s.router().all().stream().filter(Route::unpriced).forEach(r -> unpricedRoutes.add(r.name()));
    for (String alias : s.router().aliases()) {
      if (s.router().routes(alias).stream().allMatch(Route::unpriced)) {
        unpricedAliases.add(alias);
      }
    }
  }

  @Override
  public Row call(Answered a) {
    return ROWS.toRow(judge(a.request(), a.answer()));
  }

  Judged judge(Request r, Answer a) {
    if (validators == null) {
      validators = new HashMap<>();
    }
    Spent total = r.spent().plus(a.spent());
    if (a.callError() != null) {
      return new Judged(finished(r, a, total, null, a.callError()), null);
    }
    OutputValidator.Verdict verdict;
    try {
      verdict = s.validator(r.schema(), validators).check(a.outputText());
    } catch (ConfigException e) {
      return new Judged(finished(r, a, total, null, e.getMessage()), null);
    }
    if (!verdict.valid() && !lastRound) {
      return new Judged(null, r.repair(s, a.outputText(), verdict.error(), total));
    }
    return new Judged(finished(r, a, total, verdict, null), null);
  }

  private Finished finished(
      Request r, Answer a, Spent total, OutputValidator.Verdict verdict, String error) {
    boolean unpriced =
        a.route() == null
            ? unpricedAliases.contains(r.alias())
            : unpricedRoutes.contains(a.route());
    return new Finished(
        runId,
        r.id(),
        s.promptName(),
        s.promptVersion(),
        r.alias(),
        a.route(),
        a.provider(),
        a.model(),
        r.params(),
        a.cacheKey(),
        a.hit(),
        a.outputText(),
        verdict == null ? null : verdict.json(),
        verdict != null && verdict.valid(),
        verdict == null ? null : verdict.error(),
        a.finishReason(),
        total.inputTokens(),
        total.outputTokens(),
        total.cachedTokens(),
        total.reasoningTokens(),
        unpriced ? null : total.costUsd(),
        total.latencyMs(),
        total.deviceMs(),
        total.attempts(),
        r.contextChunkIds(),
        error,
        unpriced ? null : total.savedUsd());
  }
}
