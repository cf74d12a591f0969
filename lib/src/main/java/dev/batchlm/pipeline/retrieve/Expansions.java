package dev.batchlm.pipeline.retrieve;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigKey;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.pipeline.infer.InferAction;
import dev.batchlm.pipeline.infer.NestedInfer;
import dev.batchlm.retrieve.QueryExpansion;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.table.Chunks;
import dev.batchlm.table.Retrievals;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Retrieval with more queries than the question: {@code multi-query} fuses the question's list with
 * those of LLM-written paraphrases, {@code hyde} with the list of a hypothetical answer, and {@code
 * multi-step} with those of follow-up queries an LLM writes after reading the best hits so far (one
 * per step, until it finds the hits suffice or {@code retrieve.max-steps}). Every query is ranked
 * by {@code retrieve.expand-base}; lists are fused by reciprocal rank. The LLM calls are nested
 * infer runs under {@code ROOT/retrieve-expansions/<kind>}: cached (a rerun pays nothing),
 * rate-limited and costed like any call.
 */
final class Expansions {
  static final String MULTI_QUERY = "multi-query";
  static final String HYDE = "hyde";
  static final String MULTI_STEP = "multi-step";
  static final List<String> METHODS = List.of(MULTI_QUERY, HYDE, MULTI_STEP);
  static final String ROOT = "retrieve-expansions";

  private Expansions() {}

  /** What the expansion methods need from the config. */
  record Settings(
      List<String> methods,
      String base,
      String model,
      int paraphrases,
      int maxSteps,
      int stepHits,
      int rrfK,
      int depth) {
    static Settings of(BatchConfig config, List<String> methods, int depth) {
      // RetrieveAction.checkMethods has checked that a model is set when one is asked
      return new Settings(
          methods.stream().filter(METHODS::contains).toList(),
          config.get(ConfigKeys.RETRIEVE_EXPAND_BASE),
          config.get(ConfigKeys.RETRIEVE_EXPAND_MODEL),
          config.get(ConfigKeys.RETRIEVE_PARAPHRASES),
          config.get(ConfigKeys.RETRIEVE_MAX_STEPS),
          config.get(ConfigKeys.RETRIEVE_STEP_HITS),
          config.get(ConfigKeys.RETRIEVE_RRF_K),
          depth);
    }
  }

  /**
   * The fused lists by method ({@link Hit.Ranked} rows, {@code depth} deep), the lists of their
   * steps (rows of {@link #steps}), and per kind of call what it did (counters, and a line each).
   */
  record Result(
      Map<String, Dataset<Row>> fused,
      Dataset<Row> steps,
      Map<String, Object> calls,
      List<String> summaries) {}

  /**
   * Expands {@code queries} (id to text) for the methods asked; {@code rank} ranks texts by key
   * with the base method ({@link Hit.Ranked} rows, the key as query id).
   */
  static Result run(
      JobRun run,
      Settings s,
      Map<String, String> queries,
      Dataset<Row> chunks,
      Function<Map<String, String>, Dataset<Row>> rank) {
    QueryExpansion plan = new QueryExpansion();
    s.methods().forEach(m -> queries.forEach((id, text) -> plan.add(id, m, text)));
    CallLog log = new CallLog(s.model());
    if (s.methods().contains(MULTI_QUERY)) {
      call(
              run,
              log,
              "paraphrases",
              ConfigKeys.RETRIEVE_PARAPHRASE_PROMPT,
              questions(run, queries, s))
          .forEach(
              (id, o) -> {
                if (o.json() != null && queries.containsKey(id)) {
                  QueryExpansion.paraphrases(o.json(), s.paraphrases())
                      .forEach(p -> plan.add(id, MULTI_QUERY, p));
                }
              });
    }
    if (s.methods().contains(HYDE)) {
      call(run, log, "hyde", ConfigKeys.RETRIEVE_HYDE_PROMPT, questions(run, queries, s))
          .forEach(
              (id, o) -> {
                if (o.failure() == null && queries.containsKey(id)) {
                  plan.add(id, HYDE, o.text());
                }
              });
    }
    Dataset<Row> hits = ranked(run, plan, rank);
    if (s.methods().contains(MULTI_STEP)) {
      Set<String> open = new LinkedHashSet<>(queries.keySet());
      for (int step = 2; step <= s.maxSteps() && !open.isEmpty(); step++) {
        Dataset<Row> best = fuse(run, steps(run, plan, hits), MULTI_STEP, s.rrfK(), s.stepHits());
        Map<String, NestedInfer.Output> out =
            call(
                run,
                log,
                "step-" + step,
                ConfigKeys.RETRIEVE_STEP_PROMPT,
                stepRequests(run, plan, queries, open, best, chunks));
        Set<String> next = new LinkedHashSet<>();
        for (String id : open) {
          NestedInfer.Output o = out.get(id);
          if (o != null
              && o.json() != null
              && plan.add(id, MULTI_STEP, QueryExpansion.nextQuery(o.json()))) {
            next.add(id);
          }
        }
        log.counters.put("step-" + step + "_follow_ups", (long) next.size());
        open = next;
        hits = hits.unionByName(ranked(run, plan, rank));
      }
    }
    Dataset<Row> steps = steps(run, plan, hits);
    Map<String, Dataset<Row>> fused = new TreeMap<>();
    for (String m : s.methods()) {
      fused.put(m, fuse(run, steps, m, s.rrfK(), s.depth()));
    }
    return new Result(fused, steps, log.counters, log.lines);
  }

  /** Ranks the plan's new texts, once: the rows are read by every later step. */
  private static Dataset<Row> ranked(
      JobRun run, QueryExpansion plan, Function<Map<String, String>, Dataset<Row>> rank) {
    Map<String, String> texts = plan.takeUnranked();
    if (texts.isEmpty()) {
      return run.spark.createDataFrame(List.of(), Hit.Ranked.ROWS.schema());
    }
    Dataset<Row> hits = rank.apply(texts).persist(StorageLevel.MEMORY_AND_DISK());
    hits.count();
    return hits;
  }

  /** The question rows the first kinds of call take: id, text and the paraphrases asked for. */
  private static Dataset<Row> questions(JobRun run, Map<String, String> queries, Settings s) {
    List<Row> rows = new ArrayList<>();
    queries.forEach((id, text) -> rows.add(RowFactory.create(id, text, s.paraphrases())));
    return run.spark.createDataFrame(
        rows,
        new StructType()
            .add("request_id", "string")
            .add("text", "string")
            .add("paraphrases", "int"));
  }

  /**
   * The multi-step requests of the questions still open: the question, its searches so far
   * (numbered lines) and the best {@code retrieve.step-hits} chunks of their fusion ({@code [rank]
   * text}, blank-line separated).
   */
  static Dataset<Row> stepRequests(
      JobRun run,
      QueryExpansion plan,
      Map<String, String> queries,
      Set<String> open,
      Dataset<Row> best,
      Dataset<Row> chunks) {
    List<Row> rows = new ArrayList<>();
    for (String id : open) {
      List<String> asked = plan.queries(id, MULTI_STEP);
      StringBuilder searches = new StringBuilder();
      for (int i = 0; i < asked.size(); i++) {
        searches.append(i + 1).append(". ").append(asked.get(i)).append('\n');
      }
      rows.add(RowFactory.create(id, queries.get(id), searches.toString().strip()));
    }
    Dataset<Row> questions =
        run.spark.createDataFrame(
            rows,
            new StructType()
                .add("request_id", "string")
                .add("text", "string")
                .add("searches", "string"));
    Dataset<Row> passages =
        best.join(chunks.select(Chunks.CHUNK_ID, Chunks.TEXT), Retrievals.CHUNK_ID)
            .groupBy(col(Retrievals.QUERY_ID).as("request_id"))
            .agg(
                expr("concat_ws('\\n\\n', transform(array_sort(collect_list(struct(rank, text))),"
                        + " p -> concat('[', p.rank, '] ', p.text)))")
                    .as("passages"));
    return questions
        .join(passages, "request_id", "left")
        .na()
        .fill("(none)", new String[] {"passages"});
  }

  /** The expansions' model, and what their calls did: counters and a summary line per kind. */
  private static final class CallLog {
    final String model;
    final Map<String, Object> counters = new TreeMap<>();
    final List<String> lines = new ArrayList<>();

    CallLog(String model) {
      this.model = model;
    }
  }

  /**
   * One kind of call for every request: a nested infer run under {@code ROOT/retrieve-expansions/
   * <kind>}; what it did goes to {@code log}.
   */
  private static Map<String, NestedInfer.Output> call(
      JobRun run, CallLog log, String kind, ConfigKey<String> prompt, Dataset<Row> requests) {
    String name = ROOT + "/" + kind;
    run.stages.start(kind);
    InferAction.Result r =
        NestedInfer.run(run, run.config, requests, name, run.config.get(prompt), log.model);
    Map<String, NestedInfer.Output> out = NestedInfer.outputs(run, name);
    long failed = out.values().stream().filter(o -> o.failure() != null).count();
    log.counters.put(kind + "_calls", r.calls());
    log.counters.put(kind + "_cache_hits", r.cacheHits());
    log.counters.put(kind + "_failed", failed);
    log.counters.put(kind + "_cost_usd", r.costUsd());
    String line =
        String.format(
            Locale.ROOT,
            "%s: %d requests, %d calls, %d cache hits, %d without a usable answer, %s",
            kind,
            r.requests(),
            r.calls(),
            r.cacheHits(),
            failed,
            r.costUsd() == null ? "unpriced" : String.format(Locale.ROOT, "%.4f USD", r.costUsd()));
    log.lines.add(line);
    run.stages.done(line.substring(kind.length() + 2));
    return out;
  }

  /**
   * Every step's hits: the plan's steps joined with the hits of their keys; rows of {@code
   * query_id, method, step, step_query, chunk_id, score, rank}.
   */
  static Dataset<Row> steps(JobRun run, QueryExpansion plan, Dataset<Row> hits) {
    RecordRows<QueryExpansion.Step> rows = RecordRows.of(QueryExpansion.Step.class);
    Dataset<Row> steps =
        run.spark.createDataFrame(plan.steps().stream().map(rows::toRow).toList(), rows.schema());
    return steps
        .join(hits.withColumnRenamed(Retrievals.QUERY_ID, "key"), "key")
        .select(
            col(Retrievals.QUERY_ID),
            col(Retrievals.METHOD),
            col(Retrievals.STEP),
            col("text").as(Retrievals.STEP_QUERY),
            col(Retrievals.CHUNK_ID),
            col(Retrievals.SCORE),
            col(Retrievals.RANK));
  }

  /** One method's steps fused by reciprocal rank, {@code depth} deep. {@link Hit.Ranked} rows. */
  static Dataset<Row> fuse(JobRun run, Dataset<Row> steps, String method, int rrfK, int depth) {
    Dataset<Row> lists =
        steps
            .filter(col(Retrievals.METHOD).equalTo(lit(method)))
            .select(
                col(Retrievals.QUERY_ID),
                col(Retrievals.STEP).as("list"),
                col(Retrievals.RANK),
                col(Retrievals.CHUNK_ID));
    return RetrieveAction.fuse(run, lists, rrfK, depth);
  }
}
