package dev.batchlm.pipeline.infer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.batchlm.cache.CacheWriter;
import dev.batchlm.cost.Budget;
import dev.batchlm.infer.BatchLog;
import dev.batchlm.infer.BatchRecord;
import dev.batchlm.infer.BatchRunner;
import dev.batchlm.llm.RetryPolicy;
import dev.batchlm.llm.Route;
import dev.batchlm.llm.batch.BatchApis;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.table.LlmBatches;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The calls of an infer round that go through providers' Batch APIs, from the driver: per route, a
 * {@link BatchRunner} adopts the batches earlier runs left open and sends the rest; answers go to
 * {@code llm_cache} as they are read, and every request's {@link Outcome} to a staging file, which
 * is joined back to the requests as {@link Calls.Called} rows like synchronous calls'. Lines that
 * failed retriably are returned to be called synchronously when {@code infer.batch.retry = sync}.
 * Open batches of routes this run calls synchronously are collected if they have ended (so what was
 * paid reaches the cache), never waited for.
 */
final class BatchCalls {
  private BatchCalls() {}

  /** How one request's batch went, as the staging file holds it. */
  record Outcome(
      String primaryKey,
      String route,
      String provider,
      String model,
      String batchId,
      boolean ok,
      String outputText,
      String finishReason,
      long inputTokens,
      long outputTokens,
      long cachedTokens,
      long reasoningTokens,
      Double costUsd,
      String error,
      boolean retriable,
      long latencyMs)
      implements Serializable {
    static Outcome of(Route r, BatchRunner.Outcome o) {
      var usage = o.ok() ? o.response().usage() : null;
      return new Outcome(
          o.key(),
          r.name(),
          r.provider(),
          r.model(),
          o.batchId(),
          o.ok(),
          o.ok() ? o.response().text() : null,
          o.ok() ? o.response().finishReason() : null,
          o.ok() ? usage.input() : 0,
          o.ok() ? usage.output() : 0,
          o.ok() ? usage.cachedInput() : 0,
          o.ok() ? usage.reasoning() : 0,
          o.costUsd(),
          o.error(),
          o.retriable(),
          o.latencyMillis());
    }

    Answer answer() {
      Spent spent =
          new Spent(
              1,
              inputTokens,
              outputTokens,
              cachedTokens,
              reasoningTokens,
              costUsd == null ? 0 : costUsd,
              0,
              latencyMs,
              0);
      return ok
          ? new Answer(
              primaryKey,
              route,
              provider,
              model,
              outputText,
              finishReason,
              spent,
              null,
              false,
              batchId)
          : new Answer(null, null, null, null, null, null, spent, error, false, batchId);
    }
  }

  /** A request sent in a batch, and how it went (null: no outcome was reported). */
  record Sent(Request request, Outcome outcome) implements Serializable {}

  private static final RecordRows<Outcome> OUTCOMES = RecordRows.of(Outcome.class);
  private static final RecordRows<Sent> SENT = RecordRows.of(Sent.class);
  private static final ObjectMapper JSON =
      new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  /**
   * What the batches of a round did: {@link Calls.Called} rows of the requests they took ({@code
   * viaBatches}), the {@link Request} rows to call synchronously now, result lines that matched no
   * request, and the cost.
   */
  record Result(
      Dataset<Row> called,
      Dataset<Row> callNow,
      long viaBatches,
      List<String> problems,
      double spentUsd,
      long answered,
      List<String> summaries) {}

  /** Whether this run sends batches, or earlier runs left some open. */
  static boolean needed(JobRun run, InferSettings s) {
    return s.router().all().stream().anyMatch(s::batched)
        || new BatchLog(table(run), run.hadoopConf().get())
            .latest().stream().anyMatch(BatchRecord::open);
  }

  /** The {@code llm_batches} table of a run's root. */
  static Path table(JobRun run) {
    return new Path(run.root, LlmBatches.NAME);
  }

  /**
   * Of the round's misses ({@link Request} rows), sends those whose first route {@link
   * InferSettings#batched} and leaves those in a batch still open to it (they are never sent
   * again), with what is left of the budget; the rest are the result's {@link Result#callNow}.
   */
  static Result call(JobRun run, InferSettings s, Dataset<Row> misses, double budgetLeftUsd) {
    BatchLog log = new BatchLog(table(run), run.hadoopConf().get());
    List<BatchRecord> open = log.latest().stream().filter(BatchRecord::open).toList();
    Column batched =
        col("primary_route")
            .isin(s.router().all().stream().filter(s::batched).map(Route::name).toArray());
    Dataset<Row> inOpen = openKeys(run, open);
    Dataset<Row> toSend = keyed(misses.filter(batched), inOpen, "left_anti");
    Dataset<Row> viaBatches =
        misses
            .filter(batched)
            .unionByName(keyed(misses.filter(not(batched)), inOpen, "left_semi"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> sync = keyed(misses.filter(not(batched)), inOpen, "left_anti");
    Path outcomes = ResultTables.workDir(run, "batch-outcomes/outcomes.json");
    List<String> problems = Collections.synchronizedList(new ArrayList<>());
    List<String> summaries = new ArrayList<>();
    Budget budget = new Budget(s.budgetUsd() > 0 ? Math.max(budgetLeftUsd, 1e-12) : 0);
    double spent = 0;
    long answered = 0;
    Set<String> routes = s.router().all().stream().map(Route::name).collect(Collectors.toSet());
    open.stream()
        .filter(r -> !routes.contains(r.route()))
        .forEach(
            r ->
                summaries.add(
                    "batch "
                        + r.batchId()
                        + " of route "
                        + r.route()
                        + ", which the routes no longer name, is left open"));
    try (OutputStream out = outcomes.getFileSystem(run.hadoopConf().get()).create(outcomes);
        CacheWriter cache =
            s.writesCache()
                ? new CacheWriter(
                    Tables.table(run.root, dev.batchlm.table.LlmCache.SPEC),
                    run.runId + "-batches",
                    run.hadoopConf().get())
                : null) {
      for (Route route : s.router().all()) {
        List<BatchRecord> mine = open.stream().filter(r -> r.route().equals(route.name())).toList();
        boolean sends = s.batched(route);
        if (!sends && mine.isEmpty()) {
          continue;
        }
        BatchRunner.Settings settings =
            sends ? s.batch() : withoutWaiting(s.batch()); // a sync run never waits a day
        BatchRunner runner =
            new BatchRunner(
                route,
                BatchApis.forRoute(route, run.hadoopConf().get(), s.maxTokens()),
                s.price(route),
                budget,
                log,
                cache == null ? entries -> {} : cache::putAll,
                o -> write(out, Outcome.of(route, o)),
                problems::add,
                run.runId,
                s.maxTokens(),
                settings,
                RetryPolicy.Sleeper.REAL,
                System::nanoTime);
        BatchRunner.Summary summary =
            runner.run(mine, sends ? jobs(toSend, route) : Collections.emptyIterator());
        spent += summary.costUsd();
        answered += summary.answered();
        summaries.add(route.name() + ": " + summary.describe());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write batch outcomes to " + outcomes, e);
    }
    Dataset<Row> sent = sent(run, viaBatches, outcomes);
    boolean retryNow = s.batch().retry().equals("sync");
    Dataset<Row> callNow =
        sync.unionByName(
            sent.filter(col("outcome.retriable").equalTo(true).and(lit(retryNow)))
                .select("request.*"));
    Dataset<Row> called =
        ResultTables.staged(
            run,
            "batch-called",
            Calls.ROWS.dataset(
                run.spark,
                SENT.rows(
                        sent.filter(
                            col("outcome")
                                .isNull()
                                .or(col("outcome.retriable").equalTo(false))
                                .or(lit(!retryNow))))
                    .map(BatchCalls::called)));
    long sentCount = viaBatches.count();
    viaBatches.unpersist();
    return new Result(
        called, callNow, sentCount, List.copyOf(problems), spent, answered, summaries);
  }

  /**
   * The requests whose key is ({@code left_semi}) or is not ({@code left_anti}) in {@code keys}.
   */
  private static Dataset<Row> keyed(Dataset<Row> requests, Dataset<Row> keys, String how) {
    // a join on an expression keeps the requests' columns in order (a join on a name moves it
    // first)
    return requests.join(
        keys, requests.col(Request.PRIMARY_KEY).equalTo(keys.col(Request.PRIMARY_KEY)), how);
  }

  /** The keys of the open batches' requests: {@code primary_key} rows. */
  private static Dataset<Row> openKeys(JobRun run, List<BatchRecord> open) {
    StructType schema = new StructType().add("custom_id", DataTypes.StringType);
    Dataset<Row> keys =
        open.isEmpty()
            ? run.spark.createDataFrame(List.of(), schema)
            : run.spark
                .read()
                .schema(schema)
                .json(
                    open.stream()
                        .map(r -> new Path(new Path(table(run), LlmBatches.INPUTS), r.inputFile()))
                        .map(Path::toString)
                        .toArray(String[]::new));
    return keys.select(col("custom_id").as(Request.PRIMARY_KEY)).distinct();
  }

  private static BatchRunner.Settings withoutWaiting(BatchRunner.Settings s) {
    return new BatchRunner.Settings(
        s.maxRequests(), s.maxBytes(), s.firstPoll(), s.maxPoll(), Duration.ZERO, s.retry());
  }

  /** The requests of one route, streamed to the driver a partition at a time, in key order. */
  private static Iterator<BatchRunner.Job> jobs(Dataset<Row> toCall, Route route) {
    Iterator<Row> rows =
        toCall
            .filter(col("primary_route").equalTo(route.name()))
            .sortWithinPartitions(Request.PRIMARY_KEY)
            .toLocalIterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public BatchRunner.Job next() {
        Request r = Request.ROWS.fromRow(rows.next());
        return new BatchRunner.Job(r.primaryKey(), r.chatRequest(), r.estimatedInputTokens());
      }
    };
  }

  private static void write(OutputStream out, Outcome o) {
    try {
      out.write(JSON.writeValueAsBytes(o));
      out.write('\n');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Each request with its outcome: one per key (an answer over a failure, should two batches have
   * reported on it), none when nothing was reported.
   */
  static Dataset<Row> sent(JobRun run, Dataset<Row> toCall, Path outcomes) {
    Dataset<Row> reported = run.spark.read().schema(OUTCOMES.schema()).json(outcomes.toString());
    Dataset<Row> onePerKey =
        reported
            .withColumn(
                "n",
                row_number()
                    .over(Window.partitionBy(Request.PRIMARY_KEY).orderBy(col("ok").desc())))
            .filter(col("n").equalTo(1))
            .drop("n");
    return toCall
        .select(struct(Request.ROWS.columns()).as("request"))
        .join(
            onePerKey.select(struct(OUTCOMES.columns()).as("outcome")),
            col("request." + Request.PRIMARY_KEY).equalTo(col("outcome." + Request.PRIMARY_KEY)),
            "left");
  }

  private static Calls.Called called(Sent s) {
    Answer answer =
        s.outcome() != null
            ? s.outcome().answer()
            : new Answer(
                null,
                null,
                null,
                null,
                null,
                null,
                Spent.NOTHING,
                "in an open batch that this run could not collect: its route is not in this"
                    + " run's routes (see llm_batches; restore the route to collect it)",
                false,
                null);
    return new Calls.Called(s.request().id(), s.request().primaryKey(), answer);
  }
}
