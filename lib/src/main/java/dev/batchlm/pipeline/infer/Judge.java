package dev.batchlm.pipeline.infer;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import dev.batchlm.config.ConfigException;
import dev.batchlm.llm.OutputValidator;
import dev.batchlm.llm.Route;
import dev.batchlm.spark.RecordRows;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
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

  /**
   * Whether the prompt sets rules of its own (a pattern, allowed values): then every answer is
   * validated, and {@link #unvalidatedHits} applies to none.
   */
  static boolean promptHasRules(InferSettings s) {
    return s.prompt() != null && (!s.prompt().regex().isEmpty() || !s.prompt().allowed().isEmpty());
  }

  /**
   * The result rows of cache hits that nothing validates (no schema, no prompt rules), made as
   * {@link #judge} makes them, as column expressions: an all-hits night then never turns its rows
   * into records and back. {@code hits}: {@link CacheLookup.Looked} rows with an entry, no schema
   * and no repairs. {@link Finished} rows.
   */
  static Dataset<Row> unvalidatedHits(InferSettings s, String runId, Dataset<Row> hits) {
    Judge prices = new Judge(s, runId, true);
    Column unpriced = col("entry.route").isin(prices.unpricedRoutes.toArray());
    Map<String, Column> by = new HashMap<>();
    by.put("run_id", lit(runId));
    by.put("request_id", col("request.id"));
    by.put("prompt_name", lit(s.promptName()));
    by.put("prompt_version", lit(s.promptVersion()));
    by.put("model_alias", col("request.alias"));
    for (String c :
        List.of("route", "provider", "model", "cache_key", "output_text", "finish_reason")) {
      by.put(c, col("entry." + c));
    }
    by.put("params", col("request.params"));
    by.put("cache_hit", lit(true));
    by.put("valid", lit(true));
    for (String c : List.of("input_tokens", "output_tokens", "cached_tokens", "reasoning_tokens")) {
      by.put(c, col("request.spent." + c).plus(col("entry." + c)));
    }
    by.put("cost_usd", when(not(unpriced), col("request.spent.cost_usd")));
    by.put(
        "cost_saved_usd",
        when(
            not(unpriced),
            col("request.spent.saved_usd").plus(coalesce(col("entry.cost_usd"), lit(0.0)))));
    for (String c : List.of("latency_ms", "device_ms", "attempts")) {
      by.put(c, col("request.spent." + c));
    }
    by.put("context_chunk_ids", col("request.context_chunk_ids"));
    by.put("messages", col("request.messages")); // a first round's: no repair turns
    return hits.select(
        Arrays.stream(Finished.ROWS.schema().fields())
            .map(f -> by.getOrDefault(f.name(), lit(null).cast(f.dataType())).as(f.name()))
            .toArray(Column[]::new));
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
        r.firstMessages(),
        unpriced ? null : total.savedUsd(),
        a.batchId());
  }
}
