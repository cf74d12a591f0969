package dev.batchlm.pipeline;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.cost.Price;
import dev.batchlm.llm.Route;
import dev.batchlm.llm.TokenUsage;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.table.Chunks;
import dev.batchlm.table.CostLedger;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.LlmCache;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.Retrievals;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 */
public final class InferAction {
  private static final Logger LOG = LoggerFactory.getLogger("batchlm");

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
      boolean kept) {}

  /** Per route: requests routed to it first, expected cache hits, calls, estimates. */
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
      double deviceHourUsd) {
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
                  : String.format(Locale.ROOT, "≤ %.4f USD", costUsd));
    }
  }

  public static Result run(SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "infer", config);
    HadoopConf conf = run.hadoopConf();
    boolean dryRun = config.get(ConfigKeys.INFER_DRY_RUN);
    // a dry run plans what a run would call; a refresh is asked to call again
    if (!dryRun && !config.get(ConfigKeys.INFER_CACHE).equals("refresh")) {
      Optional<Result> kept = run.kept(InferenceResults.SPEC, Result.class);
      if (kept.isPresent()) {
        return kept.get();
      }
    }
    run.stages.start("read requests");
    InferSettings s = InferSettings.from(config, conf.get());
    Dataset<Row> input = readInput(run, s);
    Dataset<Row> prepared = prepare(s, input);
    prepared.persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> quarantine =
        numbered(s, input, prepared.filter(col(InferRows.QUARANTINE_MESSAGE).isNotNull()))
            .select(
                lit(run.runId).as(Quarantine.RUN_ID),
                col(InferRows.QUARANTINE_SOURCE).as(Quarantine.SOURCE),
                lit(dev.batchlm.doc.Problem.ErrorClass.MALFORMED_REQUEST.code())
                    .as(Quarantine.ERROR_CLASS),
                col(InferRows.QUARANTINE_MESSAGE).as(Quarantine.MESSAGE),
                lit(new java.sql.Timestamp(run.started.toEpochMilli())).as(Quarantine.DETECTED_AT));
    Dataset<Row> requests =
        prepared
            .filter(col(InferRows.QUARANTINE_MESSAGE).isNull())
            .select(Tables.columns(InferRows.PENDING));
    requests = checkIds(requests, s, input);
    requests.persist(StorageLevel.MEMORY_AND_DISK());
    long requestCount = requests.count();
    List<String> aliases =
        requests
            .select(InferRows.ALIAS)
            .distinct()
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    s.checkAliases(aliases, conf.get());
    run.input(s.input());
    s.checkpoints(aliases).forEach(run::input);
    InferSettings.configFiles(config).forEach(run::input);
    run.stages.done(requestCount + " requests, models " + s.routeNames(aliases));

    Path cache = Tables.table(run.root, LlmCache.SPEC);
    Dataset<Row> pending = requests.filter(col(InferRows.ERROR).isNull());
    Dataset<Row> finals =
        InferRows.unanswered(requests.filter(col(InferRows.ERROR).isNotNull()), run.runId, s);
    double spent = 0;
    long calls = 0;
    List<RoutePlan> plan = List.of();
    for (int round = 0; round <= s.maxRepairs(); round++) {
      if (round > 0 && pending.isEmpty()) {
        break;
      }
      run.stages.start(round == 0 ? "cache lookup" : "repair round " + round);
      Dataset<Row> keyed =
          spark.createDataFrame(pending.javaRDD().map(new InferRows.Keys(s)), InferRows.KEYED);
      keyed.persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> hits = hits(run, s, keyed, cache);
      hits.persist(StorageLevel.MEMORY_AND_DISK()); // used four times below: joined once
      Dataset<Row> misses =
          keyed.join(hits.select(InferRows.REQUEST_ID), InferRows.REQUEST_ID, "left_anti");
      Dataset<Row> leaders =
          misses.groupBy(InferRows.PRIMARY_KEY).agg(min(InferRows.REQUEST_ID).as("leader"));
      Dataset<Row> toCall =
          misses.join(
              leaders.select("leader"),
              misses.col(InferRows.REQUEST_ID).equalTo(col("leader")),
              "left_semi");
      toCall.persist(StorageLevel.MEMORY_AND_DISK());
      long callCount = toCall.count();
      if (round == 0) {
        plan = plan(s, keyed, hits, toCall);
        double estimate =
            plan.stream().mapToDouble(p -> p.costUsd() == null ? 0 : p.costUsd()).sum();
        run.stages.done(
            requestCount + " requests: " + callCount + " to call; " + plan.size() + " routes");
        if (dryRun) {
          return new Result(
              run.runId,
              run.runDate,
              true,
              requestCount,
              plan.stream().mapToLong(RoutePlan::cacheHits).sum(),
              callCount,
              0,
              0,
              0,
              0,
              estimate,
              null,
              plan,
              "",
              false);
        }
        if (s.budgetUsd() > 0 && estimate > s.budgetUsd()) {
          throw new ConfigException(
              String.format(
                  Locale.ROOT,
                  "Refusing to start: the worst-case cost of %d calls is %.4f USD, above"
                      + " infer.budget-usd = %.4f (prompt tokens estimated, max output tokens"
                      + " assumed). Raise the budget, lower max_tokens, or run fewer requests."
                      + " Plan: %s",
                  callCount,
                  estimate,
                  s.budgetUsd(),
                  plan.stream().map(RoutePlan::describe).toList()));
        }
      } else {
        run.stages.done(keyed.count() + " to repair, " + callCount + " to call");
      }

      run.stages.start(round == 0 ? "call" : "call (repair round " + round + ")");
      Dataset<Row> outcomes = callMisses(run, s, toCall, callCount, round, spent, conf);
      Row paid =
          outcomes
              .agg(
                  sum(InferRows.COST_NOW),
                  sum(col(InferRows.ATTEMPTS_NOW).minus(1)),
                  sum(when(col(InferRows.ATTEMPTS_NOW).gt(1), 1L).otherwise(0L)),
                  count(col(InferRows.CALL_ERROR)))
              .first();
      spent += paid.isNullAt(0) ? 0 : paid.getDouble(0);
      calls += callCount;
      run.stages.done(
          callSummary(
              callCount,
              spent,
              paid.isNullAt(1) ? 0 : paid.getLong(1),
              paid.isNullAt(2) ? 0 : paid.getLong(2),
              paid.getLong(3) == 0 ? Map.of() : failuresByKind(outcomes)));

      Dataset<Row> answered =
          hits.unionByName(
              misses
                  .join(leaders, InferRows.PRIMARY_KEY)
                  .join(outcomes.drop(InferRows.REQUEST_ID), InferRows.PRIMARY_KEY)
                  .transform(InferRows::followersAreHits)
                  .select(Tables.columns(InferRows.ANSWERED)));
      Dataset<Row> judged =
          spark.createDataFrame(
              answered.javaRDD().map(new InferRows.Judge(s, run.runId, round == s.maxRepairs())),
              InferRows.JUDGED);
      Path roundDir = stagingDir(run, "round-" + round);
      judged.write().mode("overwrite").parquet(roundDir.toString());
      judged = spark.read().schema(InferRows.JUDGED).parquet(roundDir.toString());
      finals =
          finals.unionByName(
              judged.filter(col(InferRows.NEXT_MESSAGES).isNull()).transform(InferRows::finals));
      pending =
          judged.filter(col(InferRows.NEXT_MESSAGES).isNotNull()).transform(InferRows::repairs);
      keyed.unpersist();
      hits.unpersist();
      toCall.unpersist();
    }

    if (s.writesCache() && calls > 0) {
      run.stages.start("compact cache");
      run.stages.done(compactCache(run, cache) + " cache files of this run rewritten as one");
    }

    run.stages.start("write");
    var results =
        run.output.stage(
            InferenceResults.SPEC,
            finals.select(Tables.columns(InferenceResults.SCHEMA)),
            run.runDate.toString());
    Dataset<Row> written =
        spark.read().schema(InferenceResults.SCHEMA).parquet(results.staging().toString());
    Dataset<Row> withSaved = finals.select(InferRows.REQUEST_ID, InferRows.SAVED_USD);
    Dataset<Row> ledger =
        written
            .join(withSaved, InferenceResults.REQUEST_ID)
            .groupBy(
                coalesce(col(InferenceResults.PROVIDER), lit("none")).as(CostLedger.PROVIDER),
                coalesce(col(InferenceResults.MODEL), lit("none")).as(CostLedger.MODEL),
                col(InferenceResults.PROMPT_VERSION).as(CostLedger.PROMPT_VERSION))
            .agg(
                count(lit(1)).as(CostLedger.REQUESTS),
                sum(when(col(InferenceResults.CACHE_HIT), 1L).otherwise(0L))
                    .as(CostLedger.CACHE_HITS),
                sum(when(col(InferenceResults.ERROR).isNotNull(), 1L).otherwise(0L))
                    .as(CostLedger.ERRORS),
                sum(InferenceResults.INPUT_TOKENS).as(CostLedger.INPUT_TOKENS),
                sum(InferenceResults.OUTPUT_TOKENS).as(CostLedger.OUTPUT_TOKENS),
                sum(InferenceResults.CACHED_TOKENS).as(CostLedger.CACHED_TOKENS),
                sum(InferenceResults.COST_USD).as(CostLedger.COST_USD),
                sum(InferRows.SAVED_USD).as(CostLedger.COST_SAVED_USD),
                // local models: this run's device time (cache hits have none)
                sum(col(InferenceResults.DEVICE_MS).divide(1000.0)).as(CostLedger.DEVICE_SECONDS),
                // what this run's calls consumed: a cache hit's tokens were paid by an earlier run
                sum(when(col(InferenceResults.CACHE_HIT), 0L)
                        .otherwise(col(InferenceResults.INPUT_TOKENS)))
                    .as(CostLedger.PAID_INPUT_TOKENS),
                sum(when(col(InferenceResults.CACHE_HIT), 0L)
                        .otherwise(col(InferenceResults.OUTPUT_TOKENS)))
                    .as(CostLedger.PAID_OUTPUT_TOKENS))
            .withColumn(CostLedger.JOB, lit("infer"))
            .select(Tables.columns(CostLedger.SCHEMA));
    var ledgerStaged = run.output.stage(CostLedger.SPEC, ledger, run.runDate.toString(), run.runId);
    var bad = run.output.stage(Quarantine.SPEC, quarantine, run.runDate.toString(), "infer");
    Row t =
        spark
            .read()
            .schema(CostLedger.SCHEMA)
            .parquet(ledgerStaged.staging().toString())
            .agg(
                sum(CostLedger.CACHE_HITS),
                sum(CostLedger.ERRORS),
                sum(CostLedger.COST_USD),
                sum(CostLedger.COST_SAVED_USD))
            .first();
    long invalid =
        written
            .filter(
                col(InferenceResults.VALID)
                    .equalTo(false)
                    .and(col(InferenceResults.ERROR).isNull()))
            .count();
    long hitCount = t.isNullAt(0) ? 0 : t.getLong(0);
    long errors = t.isNullAt(1) ? 0 : t.getLong(1);
    Double cost = t.isNullAt(2) ? null : t.getDouble(2);
    Double saved = t.isNullAt(3) ? null : t.getDouble(3);
    run.stages.done(results.rows() + " results, " + bad.rows() + " quarantined");
    deleteStaging(run);

    run.counters.put("requests", requestCount);
    run.counters.put("cache_hits", hitCount);
    run.counters.put("cache_hit_rate", requestCount == 0 ? 0.0 : hitCount / (double) requestCount);
    run.counters.put("calls", calls);
    run.counters.put("errors", errors);
    run.counters.put("invalid", invalid);
    run.counters.put("cost_usd", cost == null ? "unpriced" : cost);
    run.counters.put("cost_saved_usd", saved == null ? "unpriced" : saved);
    run.counters.put("prompt_version", s.prompt() == null ? "" : s.prompt().version());
    // failed calls (errors, the budget's stop) are what a rerun calls: this run is not complete
    return run.commit(
        new Result(
            run.runId,
            run.runDate,
            false,
            requestCount,
            hitCount,
            calls,
            results.rows() - errors,
            invalid,
            errors,
            bad.rows(),
            cost,
            saved,
            plan,
            results.target().toString(),
            false),
        errors == 0);
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
      line.append(' ').append(new java.util.TreeMap<>(failures));
    }
    return line.toString();
  }

  /** Failed calls by kind: the HTTP status, a timeout, or the exception's name. */
  private static Map<String, Long> failuresByKind(Dataset<Row> outcomes) {
    Map<String, Long> out = new java.util.TreeMap<>();
    outcomes
        .filter(col(InferRows.CALL_ERROR).isNotNull())
        .select(
            org.apache
                .spark
                .sql
                .functions
                .regexp_extract(
                    col(InferRows.CALL_ERROR),
                    "(HTTP [0-9]{3}|timed out|[A-Za-z]+Exception|[Cc]onnection refused)",
                    1)
                .as("kind"))
        .groupBy("kind")
        .count()
        .collectAsList()
        .forEach(r -> out.put(r.getString(0).isEmpty() ? "other" : r.getString(0), r.getLong(1)));
    return out;
  }

  /** Input rows to requests, or to quarantine rows with the reason. */
  static Dataset<Row> prepare(InferSettings s, Dataset<Row> input) {
    return input
        .sparkSession()
        .createDataFrame(
            input.javaRDD().mapPartitions(new InferRows.Prepare(s, input.schema())),
            InferRows.PREPARED_OR_QUARANTINE);
  }

  /**
   * The rejected lines of a line format (JSONL, OpenAI batch lines), prepared again from numbered
   * lines so that each names its file and line: Spark's JSON reader keeps no line numbers. Only the
   * files that had a bad line are read again, parsed as the first read parsed them; a run without
   * one reads nothing twice. Should the two reads disagree, the unnumbered rows stay.
   */
  static Dataset<Row> numbered(InferSettings s, Dataset<Row> input, Dataset<Row> rejected) {
    if (s.format().equals("parquet") || rejected.isEmpty()) {
      return rejected;
    }
    SparkSession spark = input.sparkSession();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    boolean json = !s.format().equals("openai-batch"); // batch lines are read as text
    JavaRDD<Row> lines =
        rejected
            .select(InferRows.QUARANTINE_FILE)
            .distinct()
            .as(Encoders.STRING())
            .collectAsList()
            .stream()
            .map(
                file ->
                    sc.textFile(file)
                        .zipWithIndex() // in file order: a file's splits are partitions in order
                        .filter(l -> !json || !l._1().isBlank()) // JSON skips blank lines
                        .map(l -> RowFactory.create(l._1(), l._2() + 1, file)))
            .reduce(JavaRDD::union)
            .orElseThrow();
    Dataset<Row> again =
        spark.createDataFrame(
            lines,
            new StructType()
                .add("value", DataTypes.StringType)
                .add(InferRows.LINE, DataTypes.LongType)
                .add(InferRows.SOURCE_FILE, DataTypes.StringType));
    StructType parsed = new StructType();
    for (StructField f : input.schema().fields()) {
      if (!f.name().equals(InferRows.SOURCE_FILE) && !f.name().equals(InferRows.PASSAGES)) {
        parsed = parsed.add(f);
      }
    }
    if (json) {
      again =
          again
              .select(
                  from_json(
                          col("value"),
                          parsed,
                          Map.of(
                              "mode", "PERMISSIVE", "columnNameOfCorruptRecord", InferRows.CORRUPT))
                      .as("j"),
                  col(InferRows.LINE),
                  col(InferRows.SOURCE_FILE))
              .select("j.*", InferRows.LINE, InferRows.SOURCE_FILE);
    }
    if (Arrays.asList(input.columns()).contains(InferRows.PASSAGES)) { // passages make no row bad
      again =
          again.withColumn(
              InferRows.PASSAGES,
              lit(null).cast(input.schema().apply(InferRows.PASSAGES).dataType()));
    }
    Dataset<Row> numbered = prepare(s, again).filter(col(InferRows.QUARANTINE_MESSAGE).isNotNull());
    numbered.persist(StorageLevel.MEMORY_AND_DISK());
    if (numbered.count() != rejected.count()) {
      LOG.warn("Rejected lines read again differ from the first read; kept without line numbers");
      numbered.unpersist();
      return rejected;
    }
    return numbered;
  }

  static Dataset<Row> readInput(JobRun run, InferSettings s) {
    Path path = new Path(s.input());
    run.requireExists(path, "check infer.input");
    Dataset<Row> in =
        switch (s.format()) {
          case "parquet" -> run.spark.read().parquet(s.input());
          case "openai-batch" -> run.spark.read().text(s.input());
          default ->
              run.spark
                  .read()
                  .option("mode", "PERMISSIVE")
                  .option("columnNameOfCorruptRecord", InferRows.CORRUPT)
                  .json(s.input());
        };
    List<String> columns = Arrays.asList(in.columns());
    if (!s.format().equals("parquet")) { // lines: quarantine rows name their file
      in = in.withColumn(InferRows.SOURCE_FILE, org.apache.spark.sql.functions.input_file_name());
    }
    if (s.format().equals("openai-batch")) {
      return in;
    }
    if (!s.messagesColumn().isEmpty() && !columns.contains(s.messagesColumn())) {
      throw new ConfigException(
          "Requests table "
              + s.input()
              + " has no column '"
              + s.messagesColumn()
              + "' (infer.messages-column); its columns are: "
              + String.join(", ", columns));
    }
    if (s.prompt() != null && s.messagesColumn().isEmpty()) {
      for (String v : s.prompt().variables()) {
        if (!columns.contains(v) && !(s.rag() && v.equals(InferRows.CONTEXT))) {
          throw new ConfigException(
              "Prompt "
                  + s.prompt().name()
                  + " uses {{"
                  + v
                  + "}} but requests table "
                  + s.input()
                  + " has no column '"
                  + v
                  + "'; its columns are: "
                  + String.join(", ", columns)
                  + (v.equals(InferRows.CONTEXT)
                      ? " (set infer.rag=true to fill {{context}})"
                      : ""));
        }
      }
    }
    if (s.rag()) {
      in = withPassages(run, s, in);
    }
    return in;
  }

  /** Adds each request's retrieved chunks (rank, chunk id, text) for the context. */
  private static Dataset<Row> withPassages(JobRun run, InferSettings s, Dataset<Row> in) {
    String queryColumn = s.ragQueryColumn().isEmpty() ? s.idColumn() : s.ragQueryColumn();
    if (!Arrays.asList(in.columns()).contains(queryColumn)) {
      throw new ConfigException(
          "infer.rag needs the query id of each request: requests table "
              + s.input()
              + " has no column '"
              + queryColumn
              + "' (set infer.rag-query-column)");
    }
    Dataset<Row> retrievals =
        run.readPartition(Retrievals.SPEC, null, "retrieve")
            .filter(col(Retrievals.METHOD).equalTo(s.ragMethod()))
            .filter(col(Retrievals.RANK).leq(s.ragTopK()));
    Dataset<Row> chunks =
        run.readPartition(Chunks.SPEC, null, "chunk").select(Chunks.CHUNK_ID, Chunks.TEXT);
    Dataset<Row> passages =
        retrievals
            .join(chunks, Retrievals.CHUNK_ID)
            .groupBy(col(Retrievals.QUERY_ID).as("__query"))
            .agg(
                functions
                    .collect_list(struct(Retrievals.RANK, Retrievals.CHUNK_ID, Chunks.TEXT))
                    .as(InferRows.PASSAGES));
    return in.join(
            passages, in.col(queryColumn).cast("string").equalTo(passages.col("__query")), "left")
        .drop("__query");
  }

  /** Duplicate explicit ids fail the run; identical rows with derived ids are one request. */
  private static Dataset<Row> checkIds(Dataset<Row> requests, InferSettings s, Dataset<Row> input) {
    boolean explicit =
        s.format().equals("openai-batch") || Arrays.asList(input.columns()).contains(s.idColumn());
    if (!explicit) {
      return requests.dropDuplicates(InferRows.REQUEST_ID);
    }
    List<Row> dups =
        requests
            .groupBy(InferRows.REQUEST_ID)
            .count()
            .filter(col("count").gt(1))
            .limit(5)
            .collectAsList();
    if (!dups.isEmpty()) {
      throw new ConfigException(
          "Requests table "
              + s.input()
              + " has duplicate request ids ("
              + (s.format().equals("openai-batch") ? "custom_id" : s.idColumn())
              + "), e.g. "
              + dups.stream().map(r -> "'" + r.getString(0) + "' × " + r.getLong(1)).toList()
              + ": make them unique, or drop the id column to derive ids from the content");
    }
    return requests;
  }

  /** Per pending request, the first route (in chain order) whose key is in the cache. */
  private static Dataset<Row> hits(JobRun run, InferSettings s, Dataset<Row> keyed, Path cache) {
    boolean exists;
    try {
      exists =
          s.readsCache()
              && cache.getFileSystem(run.spark.sparkContext().hadoopConfiguration()).exists(cache);
    } catch (IOException e) {
      throw new ConfigException("Cannot access " + cache + ": " + e.getMessage(), e);
    }
    if (!exists) {
      return run.spark.createDataFrame(List.of(), InferRows.ANSWERED);
    }
    Dataset<Row> entries =
        run.spark
            .read()
            .schema(LlmCache.SCHEMA)
            .parquet(cache.toString())
            .drop(LlmCache.REQUEST_ID, LlmCache.RUN_ID, LlmCache.RESPONSE);
    Dataset<Row> candidates =
        keyed.select(
            col(InferRows.REQUEST_ID),
            functions.posexplode(col(InferRows.CANDIDATE_KEYS)).as(new String[] {"pos", "key"}));
    Dataset<Row> best =
        candidates
            .join(entries, candidates.col("key").equalTo(entries.col(LlmCache.CACHE_KEY)))
            .groupBy(InferRows.REQUEST_ID)
            .agg(
                min(struct(
                        col("pos"),
                        // the newest copy of a key (infer.cache=refresh adds newer ones)
                        functions.negate(col(LlmCache.CREATED_AT).cast("double")).as("age"),
                        col(LlmCache.CACHE_KEY),
                        col(LlmCache.ROUTE),
                        col(LlmCache.PROVIDER),
                        col(LlmCache.MODEL),
                        col(LlmCache.OUTPUT_TEXT),
                        col(LlmCache.FINISH_REASON),
                        col(LlmCache.INPUT_TOKENS),
                        col(LlmCache.OUTPUT_TOKENS),
                        col(LlmCache.CACHED_TOKENS),
                        col(LlmCache.REASONING_TOKENS),
                        col(LlmCache.COST_USD)))
                    .as("best"));
    return keyed
        .join(best, InferRows.REQUEST_ID)
        .select(
            col("*"),
            col("best." + LlmCache.CACHE_KEY).as(InferRows.CACHE_KEY),
            col("best." + LlmCache.ROUTE).as(InferRows.ROUTE),
            col("best." + LlmCache.PROVIDER).as(InferRows.PROVIDER),
            col("best." + LlmCache.MODEL).as(InferRows.MODEL),
            col("best." + LlmCache.OUTPUT_TEXT).as(InferRows.OUTPUT_TEXT),
            col("best." + LlmCache.FINISH_REASON).as(InferRows.FINISH_REASON),
            col("best." + LlmCache.INPUT_TOKENS).as(InferRows.IN),
            col("best." + LlmCache.OUTPUT_TOKENS).as(InferRows.OUT),
            col("best." + LlmCache.CACHED_TOKENS).as(InferRows.CACHED),
            col("best." + LlmCache.REASONING_TOKENS).as(InferRows.REASONING),
            lit(0.0).as(InferRows.COST_NOW),
            col("best." + LlmCache.COST_USD).as(InferRows.SAVED_NOW),
            lit(0L).as(InferRows.LATENCY),
            lit(0.0).as(InferRows.DEVICE),
            lit(0).as(InferRows.ATTEMPTS_NOW),
            lit(null).cast("string").as(InferRows.CALL_ERROR),
            lit(true).as(InferRows.HIT))
        .select(Tables.columns(InferRows.ANSWERED));
  }

  /** Calls the distinct misses on {@code partitions} tasks; written to staging and read back. */
  private static Dataset<Row> callMisses(
      JobRun run,
      InferSettings s,
      Dataset<Row> toCall,
      long callCount,
      int round,
      double spent,
      HadoopConf conf) {
    if (callCount == 0) {
      return run.spark.createDataFrame(List.of(), InferRows.OUTCOME);
    }
    int configured = run.config.get(ConfigKeys.INFER_PARTITIONS);
    int parallelism = configured > 0 ? configured : run.spark.sparkContext().defaultParallelism();
    int partitions = (int) Math.max(1, Math.min(parallelism, callCount));
    double taskBudget = s.budgetUsd() > 0 ? Math.max(0, s.budgetUsd() - spent) / partitions : 0;
    Path dir = stagingDir(run, "calls-" + round);
    run.spark
        .createDataFrame(
            toCall
                .repartition(partitions)
                .javaRDD()
                .mapPartitions(
                    new InferRows.Call(
                        s,
                        conf,
                        run.runId,
                        round,
                        partitions,
                        taskBudget,
                        Tables.table(run.root, LlmCache.SPEC).toString())),
            InferRows.OUTCOME)
        .write()
        .mode("overwrite")
        .parquet(dir.toString());
    return run.spark.read().schema(InferRows.OUTCOME).parquet(dir.toString());
  }

  private static List<RoutePlan> plan(
      InferSettings s, Dataset<Row> keyed, Dataset<Row> hits, Dataset<Row> toCall) {
    Dataset<Row> flagged =
        keyed
            .select(
                InferRows.REQUEST_ID,
                InferRows.PRIMARY_ROUTE,
                InferRows.EST_INPUT,
                InferRows.MAX_OUTPUT)
            .join(
                hits.select(col(InferRows.REQUEST_ID), lit(1L).as("is_hit")),
                InferRows.REQUEST_ID,
                "left")
            .join(
                toCall.select(col(InferRows.REQUEST_ID), lit(1L).as("is_call")),
                InferRows.REQUEST_ID,
                "left");
    Map<String, long[]> byRoute = new LinkedHashMap<>();
    for (Row r :
        flagged
            .groupBy(InferRows.PRIMARY_ROUTE)
            .agg(
                count(lit(1)),
                sum(coalesce(col("is_hit"), lit(0L))),
                sum(coalesce(col("is_call"), lit(0L))),
                sum(when(col("is_call").isNotNull(), col(InferRows.EST_INPUT)).otherwise(0L)),
                sum(when(col("is_call").isNotNull(), col(InferRows.MAX_OUTPUT)).otherwise(0L)))
            .collectAsList()) {
      byRoute.put(
          r.getString(0),
          new long[] {r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4), r.getLong(5)});
    }
    List<RoutePlan> out = new ArrayList<>();
    Map<String, Route> routes = new LinkedHashMap<>();
    s.router().all().forEach(r -> routes.put(r.name(), r));
    byRoute.forEach(
        (name, v) -> {
          Route route = routes.get(name);
          java.util.Optional<Price> price = s.price(route);
          Double cost = price.map(p -> p.cost(new TokenUsage(v[3], v[4], 0, 0))).orElse(null);
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
                  price.map(Price::deviceHour).orElse(0.0)));
        });
    return out;
  }

  /**
   * Rewrites the small files this run's tasks added to {@code llm_cache} (one per group of answers)
   * as one file, so that the next run's join reads a few files instead of thousands. The new file
   * is moved in before the small ones are deleted: a crash in between leaves duplicate keys, which
   * readers tolerate, never a missing answer.
   */
  private static int compactCache(JobRun run, Path cache) {
    try {
      FileSystem fs = cache.getFileSystem(run.spark.sparkContext().hadoopConfiguration());
      FileStatus[] small = fs.globStatus(new Path(cache, "part-" + run.runId + "-*"));
      if (small == null || small.length < 2) {
        return 0;
      }
      Path tmp = new Path(cache, "_compact-" + run.runId);
      run.spark
          .read()
          .schema(LlmCache.SCHEMA)
          .parquet(Arrays.stream(small).map(st -> st.getPath().toString()).toArray(String[]::new))
          .coalesce(1)
          .write()
          .mode("overwrite")
          .option("compression", "zstd")
          .parquet(tmp.toString());
      int n = 0;
      for (FileStatus f : fs.listStatus(tmp, p -> p.getName().endsWith(".parquet"))) {
        Path target = new Path(cache, "part-" + run.runId + "-compacted-" + n++ + ".zstd.parquet");
        if (!fs.rename(f.getPath(), target)) {
          throw new IOException("rename " + f.getPath() + " -> " + target + " failed");
        }
      }
      for (FileStatus st : small) {
        fs.delete(st.getPath(), false);
      }
      fs.delete(tmp, true);
      return small.length;
    } catch (IOException e) {
      // the small files stay and still serve: only the next join is slower
      org.slf4j.LoggerFactory.getLogger(InferAction.class)
          .warn("Could not compact {}: {}", cache, e.getMessage());
      return 0;
    }
  }

  /** Scratch space of this run (each round's calls and verdicts), under a hidden folder. */
  private static Path workDir(JobRun run) {
    return new Path(
        new Path(Tables.table(run.root, InferenceResults.SPEC), "_staging"), run.runId + "-work");
  }

  private static Path stagingDir(JobRun run, String name) {
    return new Path(workDir(run), name);
  }

  private static void deleteStaging(JobRun run) {
    Path dir = workDir(run);
    try {
      dir.getFileSystem(run.spark.sparkContext().hadoopConfiguration()).delete(dir, true);
    } catch (IOException e) {
      // only scratch space is left behind
    }
  }
}
