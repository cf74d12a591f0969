package dev.batchlm.pipeline.infer;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.batchlm.doc.Problem;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.table.CostLedger;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.LlmBatches;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.RunCommit;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The tables of an infer run: {@code inference_results} from the {@link Finished} rows, the {@code
 * cost_ledger} per provider, model and prompt version, and the quarantined input lines; then the
 * run's counters and its {@link InferAction.Result}.
 */
final class ResultTables {
  private ResultTables() {}

  static InferAction.Result write(
      JobRun run,
      InferSettings s,
      long requests,
      Dataset<Row> finished,
      Dataset<Row> quarantined,
      List<String> batchProblems,
      long calls,
      List<InferAction.RoutePlan> plan,
      List<String> batches) {
    run.stages.start("write");
    String date = run.runDate.toString();
    RunCommit.Staged results =
        run.output.stage(
            InferenceResults.SPEC, finished.select(Tables.columns(InferenceResults.SCHEMA)), date);
    // the ledger sums the written results: the rounds' rows are not computed twice
    Dataset<Row> written =
        run.spark.read().schema(InferenceResults.SCHEMA).parquet(results.staging().toString());
    RunCommit.Staged ledger = run.output.stage(CostLedger.SPEC, ledger(written), date, run.runId);
    RunCommit.Staged bad =
        run.output.stage(
            Quarantine.SPEC, quarantine(run, quarantined, batchProblems), date, "infer");
    Row t =
        run.spark
            .read()
            .schema(CostLedger.SCHEMA)
            .parquet(ledger.staging().toString())
            .agg(
                sum(CostLedger.CACHE_HITS).as("hits"),
                sum(CostLedger.ERRORS).as("errors"),
                sum(CostLedger.COST_USD).as("cost"),
                sum(CostLedger.COST_SAVED_USD).as("saved"))
            .first();
    long invalid =
        written
            .filter(
                col(InferenceResults.VALID)
                    .equalTo(false)
                    .and(col(InferenceResults.ERROR).isNull()))
            .count();
    run.stages.done(results.rows() + " results, " + bad.rows() + " quarantined");
    deleteWorkDir(run);

    long hits = t.isNullAt(t.fieldIndex("hits")) ? 0 : t.<Long>getAs("hits");
    long errors = t.isNullAt(t.fieldIndex("errors")) ? 0 : t.<Long>getAs("errors");
    Double cost = t.getAs("cost");
    Double saved = t.getAs("saved");
    run.rowsIn = requests;
    run.counters.put("requests", requests);
    run.counters.put("cache_hits", hits);
    run.counters.put("cache_hit_rate", requests == 0 ? 0.0 : hits / (double) requests);
    run.counters.put("calls", calls);
    run.counters.put("errors", errors);
    run.counters.put("invalid", invalid);
    run.counters.put("cost_usd", cost == null ? "unpriced" : cost);
    run.counters.put("cost_saved_usd", saved == null ? "unpriced" : saved);
    run.counters.put("prompt_version", s.promptVersion());
    if (!batches.isEmpty()) {
      run.counters.put("batches", String.join(" | ", batches));
    }
    // failed calls (errors, the budget's stop) are what a rerun calls: this run is not complete
    return run.commit(
        new InferAction.Result(
            run.runId,
            run.runDate,
            false,
            requests,
            hits,
            calls,
            results.rows() - errors,
            invalid,
            errors,
            bad.rows(),
            cost,
            saved,
            plan,
            results.target().toString(),
            false,
            batches),
        errors == 0);
  }

  /**
   * Per provider, model and prompt version: requests, hits, errors, tokens, cost and savings, from
   * {@code inference_results} rows.
   */
  static Dataset<Row> ledger(Dataset<Row> results) {
    return results
        .groupBy(
            coalesce(col(InferenceResults.PROVIDER), lit("none")).as(CostLedger.PROVIDER),
            coalesce(col(InferenceResults.MODEL), lit("none")).as(CostLedger.MODEL),
            col(InferenceResults.PROMPT_VERSION).as(CostLedger.PROMPT_VERSION),
            col(InferenceResults.BATCH_ID).isNotNull().as(CostLedger.BATCH))
        .agg(
            count(lit(1)).as(CostLedger.REQUESTS),
            sum(when(col(InferenceResults.CACHE_HIT), 1L).otherwise(0L)).as(CostLedger.CACHE_HITS),
            sum(when(col(InferenceResults.ERROR).isNotNull(), 1L).otherwise(0L))
                .as(CostLedger.ERRORS),
            sum(InferenceResults.INPUT_TOKENS).as(CostLedger.INPUT_TOKENS),
            sum(InferenceResults.OUTPUT_TOKENS).as(CostLedger.OUTPUT_TOKENS),
            sum(InferenceResults.CACHED_TOKENS).as(CostLedger.CACHED_TOKENS),
            sum(InferenceResults.COST_USD).as(CostLedger.COST_USD),
            sum(InferenceResults.COST_SAVED_USD).as(CostLedger.COST_SAVED_USD),
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
  }

  /**
   * {@link Prepare.Quarantined} rows as the quarantine table's, and the batch result lines that
   * matched no request ({@code where: what}).
   */
  private static Dataset<Row> quarantine(
      JobRun run, Dataset<Row> quarantined, List<String> batchProblems) {
    Dataset<Row> rows = quarantine(run, quarantined, Problem.ErrorClass.MALFORMED_REQUEST);
    if (batchProblems.isEmpty()) {
      return rows;
    }
    List<Prepare.Quarantined> lines =
        batchProblems.stream()
            .map(
                p -> {
                  int colon = p.indexOf(": ");
                  return new Prepare.Quarantined(
                      LlmBatches.NAME, p.substring(0, colon), p.substring(colon + 2));
                })
            .toList();
    Dataset<Row> problems =
        QUARANTINED.dataset(
            run.spark, new JavaSparkContext(run.spark.sparkContext()).parallelize(lines, 1));
    return rows.unionByName(quarantine(run, problems, Problem.ErrorClass.BATCH_RESULT_UNMATCHED));
  }

  private static final RecordRows<Prepare.Quarantined> QUARANTINED =
      RecordRows.of(Prepare.Quarantined.class);

  private static Dataset<Row> quarantine(
      JobRun run, Dataset<Row> quarantined, Problem.ErrorClass errorClass) {
    return quarantined.select(
        lit(run.runId).as(Quarantine.RUN_ID),
        col("source").as(Quarantine.SOURCE),
        lit(errorClass.code()).as(Quarantine.ERROR_CLASS),
        col("message").as(Quarantine.MESSAGE),
        lit(new Timestamp(run.started.toEpochMilli())).as(Quarantine.DETECTED_AT));
  }

  /**
   * {@code rows} written to this run's scratch space and read back: what follows reads the file,
   * never a recomputation (which for calls would mean sending them again).
   */
  static Dataset<Row> staged(JobRun run, String name, Dataset<Row> rows) {
    Path dir = workDir(run, name);
    rows.write().mode("overwrite").parquet(dir.toString());
    return run.spark.read().schema(rows.schema()).parquet(dir.toString());
  }

  /** Scratch space of this run (each round's calls and verdicts). */
  static Path workDir(JobRun run, String name) {
    return new Path(workDir(run), name);
  }

  private static Path workDir(JobRun run) { // hidden, and outside every table: a dry run adds none
    return new Path(run.root, "_staging/" + run.runId + "-infer");
  }

  static void deleteWorkDir(JobRun run) {
    Path dir = workDir(run);
    try {
      dir.getFileSystem(run.spark.sparkContext().hadoopConfiguration()).delete(dir, true);
    } catch (IOException e) {
      // only scratch space is left behind
    }
  }
}
