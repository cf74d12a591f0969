package dev.batchlm.pipeline.infer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.cost.Price;
import dev.batchlm.llm.Route;
import dev.batchlm.llm.TokenUsage;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.LlmCache;
import dev.batchlm.table.Tables;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

/**
 * Infer: every request of a table answered once and never paid twice. Requests (rows with variables
 * for a prompt template, ready messages, or OpenAI batch lines) are rendered, keyed ({@link
 * dev.batchlm.cache.CacheKeys}) for each route they may take, and joined with {@code llm_cache};
 * only the misses are called, identical ones once, by tasks that commit each answer to the cache as
 * it arrives. Answers are validated; an invalid one goes back to the model with the error, as a new
 * (cached) request, up to {@code infer.max-repairs} times. Writes {@code inference_results}, {@code
 * cost_ledger} and quarantine rows for unreadable input lines.
 *
 * <p>Each round's calls are written to staging and read back before anything else uses them, so no
 * Spark recomputation can send a request again.
 *
 * <p>The steps pass typed rows ({@link dev.batchlm.spark.RecordRows}): {@link Prepare} makes a
 * {@link Request} of each input row, {@link CacheLookup} pairs it with its cached {@link
 * CacheEntry}, {@link Calls} answers the misses, {@link Judge} turns each {@link Answer} into a
 * {@link Finished} result or a repair {@link Request}, and {@link ResultTables} writes the tables.
 */
public final class InferAction {
  private InferAction() {}

  /** What one infer run did (or, for a dry run, would do). */
  public record Result(
      String runId,
      LocalDate runDate,
      boolean dryRun,
      long requests,
      long cacheHits,
      long calls,
      long answered,
      long invalid,
      long errors,
      long quarantined,
      Double costUsd,
      Double costSavedUsd,
      List<RoutePlan> plan,
      String resultsPath,
      boolean kept,
      List<String> batches) {}

  /**
   * Per route: requests routed to it first, expected cache hits, calls, estimates; the worst case
   * through the route's Batch API too, where it has one ({@code batch}: this run uses it).
   */
  public record RoutePlan(
      String route,
      String provider,
      String model,
      long requests,
      long cacheHits,
      long calls,
      long inputTokens,
      long maxOutputTokens,
      Double costUsd,
      double deviceHourUsd,
      Double batchCostUsd,
      boolean batch) {
    /** The worst case of the way this run calls the route. */
    public Double plannedUsd() {
      return batch ? batchCostUsd : costUsd;
    }

    public String describe() {
      return String.format(
          Locale.ROOT,
          "%s (%s %s): %d requests, %d cache hits, %d calls, ~%d input + ≤%d output tokens, %s",
          route,
          provider,
          model,
          requests,
          cacheHits,
          calls,
          inputTokens,
          maxOutputTokens,
          costUsd == null
              ? "unpriced"
              : deviceHourUsd > 0 // a local model's device time is known only once it has run
                  ? String.format(Locale.ROOT, "device time at %.2f USD/hour", deviceHourUsd)
                  : batchCostUsd == null
                      ? String.format(Locale.ROOT, "≤ %.4f USD", costUsd)
                      : String.format(
                          Locale.ROOT,
                          "≤ %.4f USD synchronously, ≤ %.4f USD in batches (this run: %s)",
                          costUsd,
                          batchCostUsd,
                          batch ? "batches" : "synchronous"));
    }
  }

  public static Result run(SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "infer", config);
    boolean dryRun = config.get(ConfigKeys.INFER_DRY_RUN);
    // a dry run plans what a run would call; a refresh is asked to call again
    if (!dryRun && !config.get(ConfigKeys.INFER_CACHE).equals("refresh")) {
      Optional<Result> kept = run.kept(InferenceResults.SPEC, Result.class);
      if (kept.isPresent()) {
        return kept.get();
      }
    }
    InferSettings s = InferSettings.from(config, run.hadoopConf().get());
    Requests input = readRequests(run, s);
    long requests = input.count();
    Rounds rounds = new Rounds(input.split().unanswerable());
    Dataset<Row> pending = null; // the repairs of a round: Request rows
    for (int round = 0; round <= s.maxRepairs() && (round == 0 || !pending.isEmpty()); round++) {
      run.stages.start(round == 0 ? "plan" : "repair round " + round);
      Dataset<Row> looked =
          round == 0 // looked up as it was read
              ? input.split().requests()
              : persisted(CacheLookup.lookup(spark, pending, cache(run), s));
      Dataset<Row> misses = misses(looked);
      Dataset<Row> toCall = persisted(leaders(misses));
      long callCount = toCall.count();
      if (round == 0) {
        rounds.plan = plan(s, looked, toCall);
        run.stages.done(
            requests + " requests: " + callCount + " to call; " + rounds.plan.size() + " routes");
        if (dryRun) {
          input.split().release();
          return planned(run, requests, callCount, rounds.plan);
        }
        checkBudget(s, callCount, rounds.plan);
      } else {
        run.stages.done(looked.count() + " to repair, " + callCount + " to call");
      }
      run.stages.start(round == 0 ? "call" : "call (repair round " + round + ")");
      Dataset<Row> called = call(run, s, toCall, callCount, round, rounds);
      Dataset<Row> hits = looked.filter(col(CacheLookup.ENTRY).isNotNull());
      Column unvalidated =
          Judge.promptHasRules(s)
              ? lit(false)
              : col("request.schema").isNull().and(col("request.repairs").equalTo(0));
      Dataset<Row> judged =
          judge(run, s, answered(hits.filter(not(unvalidated)), misses, called), round);
      run.stages.done(rounds.callLine);
      rounds.finished =
          rounds
              .finished
              .unionByName(Judge.unvalidatedHits(s, run.runId, hits.filter(unvalidated)))
              .unionByName(RecordRows.present(judged, "finished"));
      pending = RecordRows.present(judged, "repair");
      rounds.looked.add(looked); // read again when the results are written
      toCall.unpersist();
    }
    if (s.writesCache() && rounds.calls > 0) {
      run.stages.start("compact cache");
      int compacted = CacheCompaction.compact(spark, cache(run), run.runId);
      run.stages.done(compacted + " cache files of this run rewritten as one");
    }
    Result result =
        ResultTables.write(
            run,
            s,
            requests,
            rounds.finished,
            input.split().quarantined(),
            rounds.batchProblems,
            rounds.calls,
            rounds.plan,
            rounds.batches);
    rounds.looked.forEach(Dataset::unpersist);
    input.split().release();
    return result;
  }

  /** What the rounds have produced so far, and what they paid. */
  private static final class Rounds {
    Dataset<Row> finished;
    double spentUsd;
    long calls;
    List<RoutePlan> plan = List.of();
    String callLine; // the call stage's summary, logged once the answers are validated
    final List<String> batches = new ArrayList<>(); // what each route's batches did
    final List<String> batchProblems = new ArrayList<>(); // result lines matching no request
    final List<Dataset<Row>> looked = new ArrayList<>(); // each round's lookup, held in memory

    Rounds(Dataset<Row> finished) {
      this.finished = finished;
    }
  }

  /** The prepared input, and how many requests it holds. */
  private record Requests(RequestInput.Split split, long count) {}

  /** The requests table read, prepared and looked up in the cache; the run's inputs recorded. */
  private static Requests readRequests(JobRun run, InferSettings s) {
    run.stages.start("read requests");
    RequestInput.Split in = RequestInput.load(run, s, cache(run));
    Map<String, Long> byAlias = new TreeMap<>();
    in.requests()
        .select(col(CacheLookup.REQUEST + ".alias").as("alias"))
        .unionByName(in.unanswerable().select(col("model_alias").as("alias")))
        .groupBy("alias")
        .count()
        .collectAsList()
        .forEach(r -> byAlias.put(r.getAs("alias"), r.getAs("count")));
    long count = byAlias.values().stream().mapToLong(Long::longValue).sum();
    List<String> aliases = List.copyOf(byAlias.keySet());
    s.checkAliases(aliases, run.hadoopConf().get());
    s.checkBatchRoutes(aliases);
    run.input(s.input());
    s.checkpoints(aliases).forEach(run::input);
    InferSettings.configFiles(run.config).forEach(run::input);
    run.stages.done(count + " requests, models " + s.routeNames(aliases));
    return new Requests(in, count);
  }

  /** Requests whose first keys are not cached; {@link Request} rows. */
  private static Dataset<Row> misses(Dataset<Row> looked) {
    return looked.filter(col(CacheLookup.ENTRY).isNull()).select(CacheLookup.REQUEST + ".*");
  }

  /** Of identical misses (one first key), the one that calls: the smallest id. */
  static Dataset<Row> leaders(Dataset<Row> misses) {
    Dataset<Row> leaders =
        misses.groupBy(Request.PRIMARY_KEY).agg(min(Request.ID).as(Calls.LEADER_ID));
    return misses.join(
        leaders, misses.col(Request.ID).equalTo(leaders.col(Calls.LEADER_ID)), "left_semi");
  }

  /**
   * This round's answers to validate: the cached ones ({@code hits}: {@link CacheLookup.Looked}
   * rows with an entry), and the calls' shared by every request of their key (the one that called
   * paid; the others are hits of this run).
   */
  static JavaRDD<Judge.Answered> answered(
      Dataset<Row> hits, Dataset<Row> misses, Dataset<Row> called) {
    JavaRDD<Judge.Answered> cached =
        CacheLookup.ROWS
            .rows(hits)
            .map(l -> new Judge.Answered(l.request(), Answer.cached(l.entry())));
    Dataset<Row> joined =
        misses
            .select(
                functions.struct(Request.ROWS.columns()).as(CacheLookup.REQUEST),
                col(Request.PRIMARY_KEY))
            .join(called, Request.PRIMARY_KEY);
    JavaRDD<Judge.Answered> calledOrShared =
        CALLS_OF_KEY
            .rows(joined)
            .map(
                c ->
                    new Judge.Answered(
                        c.request(),
                        c.request().id().equals(c.leaderId()) ? c.answer() : c.answer().shared()));
    return cached.union(calledOrShared);
  }

  /** A miss and the call made for its key. */
  record CallOfKey(Request request, String leaderId, Answer answer) implements Serializable {}

  private static final RecordRows<CallOfKey> CALLS_OF_KEY = RecordRows.of(CallOfKey.class);

  /**
   * Validates the round's answers; written to staging and read back, so that what follows never
   * recomputes (and so never re-sends) a call. {@link Judge.Judged} rows.
   */
  private static Dataset<Row> judge(
      JobRun run, InferSettings s, JavaRDD<Judge.Answered> answered, int round) {
    return ResultTables.staged(
        run,
        "round-" + round,
        run.spark.createDataFrame(
            answered.map(new Judge(s, run.runId, round == s.maxRepairs())), Judge.ROWS.schema()));
  }

  private static Dataset<Row> persisted(Dataset<Row> rows) {
    return rows.persist(StorageLevel.MEMORY_AND_DISK());
  }

  private static Path cache(JobRun run) {
    return Tables.table(run.root, LlmCache.SPEC);
  }

  /** The result of a dry run: what a run would call, and its worst-case cost. */
  private static Result planned(JobRun run, long requests, long calls, List<RoutePlan> plan) {
    ResultTables.deleteWorkDir(run);
    double estimate = worstCaseUsd(plan);
    long hits = plan.stream().mapToLong(RoutePlan::cacheHits).sum();
    return new Result(
        run.runId,
        run.runDate,
        true,
        requests,
        hits,
        calls,
        0,
        0,
        0,
        0,
        estimate,
        null,
        plan,
        "",
        false,
        List.of());
  }

  /** The plan's worst-case cost over its priced routes. */
  private static double worstCaseUsd(List<RoutePlan> plan) {
    return plan.stream().mapToDouble(p -> p.plannedUsd() == null ? 0 : p.plannedUsd()).sum();
  }

  /** No call is made when the worst case of the plan is above {@code infer.budget-usd}. */
  private static void checkBudget(InferSettings s, long calls, List<RoutePlan> plan) {
    double estimate = worstCaseUsd(plan);
    if (s.budgetUsd() > 0 && estimate > s.budgetUsd()) {
      throw new ConfigException(
          String.format(
              Locale.ROOT,
              "Refusing to start: the worst-case cost of %d calls is %.4f USD, above"
                  + " infer.budget-usd = %.4f (prompt tokens estimated, max output tokens"
                  + " assumed). Raise the budget, lower max_tokens, or run fewer requests."
                  + " Plan: %s",
              calls,
              estimate,
              s.budgetUsd(),
              plan.stream().map(RoutePlan::describe).toList()));
    }
  }

  /**
   * Calls the distinct misses: in the first round those whose route is {@link
   * InferSettings#batched} through its Batch API ({@link BatchCalls}, which also collects what
   * earlier runs left open), the others, and batch lines worth calling again, synchronously.
   * Repairs are called synchronously: a second day's wait for a few answers is not worth the
   * discount. {@link Calls.Called} rows.
   */
  private static Dataset<Row> call(
      JobRun run, InferSettings s, Dataset<Row> toCall, long callCount, int round, Rounds rounds) {
    if (round > 0 || !BatchCalls.needed(run, s)) {
      return callSync(run, s, toCall, callCount, round, rounds);
    }
    BatchCalls.Result b =
        BatchCalls.call(run, s, toCall, Math.max(0, s.budgetUsd() - rounds.spentUsd));
    rounds.spentUsd += b.spentUsd();
    rounds.calls += b.viaBatches();
    rounds.batches.addAll(b.summaries());
    rounds.batchProblems.addAll(b.problems());
    Dataset<Row> now = persisted(b.callNow());
    Dataset<Row> called = callSync(run, s, now, now.count(), round, rounds);
    rounds.callLine = b.viaBatches() + " in batches, " + rounds.callLine;
    now.unpersist();
    return called.unionByName(b.called());
  }

  /**
   * Calls on up to {@code infer.partitions} tasks, each with its share of the budget left; written
   * to staging and read back. {@link Calls.Called} rows.
   */
  private static Dataset<Row> callSync(
      JobRun run, InferSettings s, Dataset<Row> toCall, long callCount, int round, Rounds rounds) {
    if (callCount == 0) {
      rounds.callLine = callSummary(0, rounds.spentUsd, 0, 0, Map.of());
      return run.spark.createDataFrame(List.of(), Calls.ROWS.schema());
    }
    int configured = run.config.get(ConfigKeys.INFER_PARTITIONS);
    int parallelism = configured > 0 ? configured : run.spark.sparkContext().defaultParallelism();
    int partitions = (int) Math.max(1, Math.min(parallelism, callCount));
    double budgetLeft = Math.max(0, s.budgetUsd() - rounds.spentUsd);
    double taskBudget = s.budgetUsd() > 0 ? budgetLeft / partitions : 0;
    Calls calls =
        new Calls(
            s, run.hadoopConf(), run.runId, round, partitions, taskBudget, cache(run).toString());
    Dataset<Row> called =
        ResultTables.staged(
            run,
            "calls-" + round,
            run.spark.createDataFrame(
                toCall.repartition(partitions).javaRDD().mapPartitions(calls),
                Calls.ROWS.schema()));
    Row paid =
        called
            .agg(
                sum("answer.spent.cost_usd").as("cost"),
                sum(col("answer.spent.attempts").minus(1)).as("retries"),
                sum(when(col("answer.spent.attempts").gt(1), 1L).otherwise(0L)).as("retried"),
                count(col("answer.call_error")).as("failed"))
            .first();
    rounds.spentUsd += paid.isNullAt(paid.fieldIndex("cost")) ? 0 : paid.<Double>getAs("cost");
    rounds.calls += callCount;
    rounds.callLine =
        callSummary(
            callCount,
            rounds.spentUsd,
            paid.isNullAt(paid.fieldIndex("retries")) ? 0 : paid.<Long>getAs("retries"),
            paid.isNullAt(paid.fieldIndex("retried")) ? 0 : paid.<Long>getAs("retried"),
            paid.<Long>getAs("failed") == 0 ? Map.of() : failuresByKind(called));
    return called;
  }

  /**
   * The call stage's line: what was paid, and the retries and failures that would otherwise hide in
   * a clean-looking run (a server answering a third of its calls with HTTP 500).
   */
  static String callSummary(
      long calls, double spentUsd, long retries, long retried, Map<String, Long> failures) {
    StringBuilder line =
        new StringBuilder(calls + " calls, " + String.format(Locale.ROOT, "%.4f USD", spentUsd));
    line.append("; ").append(retries).append(retries == 1 ? " retry" : " retries");
    if (retries > 0) {
      line.append(" on ").append(retried).append(retried == 1 ? " call" : " calls");
    }
    long failed = failures.values().stream().mapToLong(Long::longValue).sum();
    line.append(", ").append(failed).append(" failed");
    if (failed > 0) {
      line.append(' ').append(new TreeMap<>(failures));
    }
    return line.toString();
  }

  /** Failed calls by kind: the HTTP status, a timeout, or the exception's name. */
  private static Map<String, Long> failuresByKind(Dataset<Row> called) {
    Map<String, Long> out = new TreeMap<>();
    called
        .filter(col("answer.call_error").isNotNull())
        .select(
            functions
                .regexp_extract(
                    col("answer.call_error"),
                    "(HTTP [0-9]{3}|timed out|[A-Za-z]+Exception|[Cc]onnection refused)",
                    1)
                .as("kind"))
        .groupBy("kind")
        .count()
        .collectAsList()
        .forEach(
            r -> {
              String kind = r.getAs("kind");
              out.put(kind.isEmpty() ? "other" : kind, r.<Long>getAs("count"));
            });
    return out;
  }

  /**
   * Per first route: requests, cache hits, calls and the calls' worst-case tokens and cost. {@code
   * looked}: {@link CacheLookup.Looked} rows; {@code toCall}: {@link Request} rows.
   */
  private static List<RoutePlan> plan(InferSettings s, Dataset<Row> looked, Dataset<Row> toCall) {
    Map<String, long[]> byRoute = new LinkedHashMap<>();
    for (Row r :
        looked
            .groupBy(col("request.primary_route").as("route"))
            .agg(
                count(lit(1)).as("requests"),
                sum(when(col(CacheLookup.ENTRY).isNotNull(), 1L).otherwise(0L)).as("hits"))
            .collectAsList()) {
      byRoute.put(r.getAs("route"), new long[] {r.getAs("requests"), r.getAs("hits"), 0, 0, 0});
    }
    for (Row r :
        toCall
            .groupBy(col("primary_route").as("route"))
            .agg(
                count(lit(1)).as("calls"),
                sum("estimated_input_tokens").as("input"),
                sum("max_output_tokens").as("output"))
            .collectAsList()) {
      long[] v = byRoute.get(r.<String>getAs("route"));
      v[2] = r.getAs("calls");
      v[3] = r.getAs("input");
      v[4] = r.getAs("output");
    }
    Map<String, Route> routes = new LinkedHashMap<>();
    s.router().all().forEach(r -> routes.put(r.name(), r));
    List<RoutePlan> out = new ArrayList<>();
    byRoute.forEach(
        (name, v) -> {
          Route route = routes.get(name);
          Optional<Price> price = s.price(route);
          TokenUsage worst = new TokenUsage(v[3], v[4], 0, 0);
          Double cost = price.map(p -> p.cost(worst)).orElse(null);
          Double batchCost =
              route.batch() ? price.map(p -> p.atBatchRates().cost(worst)).orElse(null) : null;
          out.add(
              new RoutePlan(
                  name,
                  route.provider(),
                  route.model(),
                  v[0],
                  v[1],
                  v[2],
                  v[3],
                  v[4],
                  cost,
                  price.map(Price::deviceHour).orElse(0.0),
                  batchCost,
                  s.batched(route)));
        });
    return out;
  }
}
