package dev.batchlm.pipeline.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * LLM calls another job makes (eval's judges, retrieve's query expansions) as an infer run of their
 * own under {@code ROOT/<name>}: cached (a rerun pays nothing), rate-limited, validated and costed
 * like any call, with their own cache and ledger, never mixed with the answers of the job's input.
 */
public final class NestedInfer {
  private NestedInfer() {}

  /** Why a request has no usable output. */
  public enum Failure {
    FAILED,
    REFUSED,
    UNPARSABLE
  }

  /**
   * One request's result: its text and its validated JSON (null without a schema), or why there is
   * none.
   */
  public record Output(String text, JsonNode json, Failure failure) {}

  /**
   * Runs infer over {@code requests} (a {@code request_id} column and the prompt's variables) with
   * {@code prompt} (a folder under infer.prompts-dir) and the model alias {@code model}.
   */
  public static InferAction.Result run(
      JobRun run,
      BatchConfig config,
      Dataset<Row> requests,
      String name,
      String prompt,
      String model) {
    Path input =
        new Path(run.root, "_staging/" + run.runId + "-" + name.replace('/', '-') + "-requests");
    requests.write().mode("overwrite").parquet(input.toString());
    Map<String, String> pairs = new TreeMap<>();
    pairs.put(
        ConfigKeys.OUTPUT_ROOT.name(), BatchConfig.quoted(new Path(run.root, name).toString()));
    pairs.put(ConfigKeys.INFER_INPUT.name(), BatchConfig.quoted(input.toString()));
    pairs.put(ConfigKeys.INFER_FORMAT.name(), "parquet");
    pairs.put(ConfigKeys.INFER_ID_COLUMN.name(), "request_id");
    pairs.put(ConfigKeys.INFER_MESSAGES_COLUMN.name(), "\"\"");
    pairs.put(ConfigKeys.INFER_RAG.name(), "false");
    pairs.put(ConfigKeys.INFER_PROMPT.name(), BatchConfig.quoted(prompt));
    pairs.put(ConfigKeys.INFER_MODEL.name(), BatchConfig.quoted(model));
    pairs.put(ConfigKeys.INFER_DRY_RUN.name(), "false");
    // the night of the job that calls, even when the clock passes midnight meanwhile
    pairs.put(ConfigKeys.RUN_DATE.name(), BatchConfig.quoted(run.runDate.toString()));
    BatchConfig nested = config.with(run.job + "'s " + name, pairs);
    InferSettings.configFiles(nested).forEach(run::input); // the prompt, routes, prices
    return InferAction.run(run.spark, nested);
  }

  /** The outputs of {@code ROOT/<name>}'s run-date results, by request id. */
  public static Map<String, Output> outputs(JobRun run, String name) {
    Path results =
        Tables.partition(
            Tables.table(new Path(run.root, name).toString(), InferenceResults.SPEC), run.runDate);
    Map<String, Output> out = new HashMap<>();
    ObjectMapper json = new ObjectMapper();
    for (Row r :
        run.spark
            .read()
            .schema(InferenceResults.SPEC.schema())
            .parquet(results.toString())
            .select(
                InferenceResults.REQUEST_ID,
                InferenceResults.ERROR,
                InferenceResults.FINISH_REASON,
                InferenceResults.VALID,
                InferenceResults.OUTPUT_TEXT,
                InferenceResults.OUTPUT_JSON)
            .collectAsList()) {
      String text = r.getAs(InferenceResults.OUTPUT_TEXT);
      String outputJson = r.getAs(InferenceResults.OUTPUT_JSON);
      Failure failure = null;
      JsonNode parsed = null;
      if (r.getAs(InferenceResults.ERROR) != null) {
        failure = Failure.FAILED;
      } else if ("content_filter".equals(r.getAs(InferenceResults.FINISH_REASON))) {
        failure = Failure.REFUSED;
      } else if (!Boolean.TRUE.equals(r.getAs(InferenceResults.VALID))) {
        failure = Failure.UNPARSABLE;
      } else if (outputJson != null) {
        try {
          parsed = json.readTree(outputJson);
        } catch (IOException e) {
          failure = Failure.UNPARSABLE;
        }
      }
      out.put(r.getAs(InferenceResults.REQUEST_ID), new Output(text, parsed, failure));
    }
    return out;
  }
}
