package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.infer.InferAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A table of requests into {@code ROOT/inference_results}, {@code ROOT/llm_cache} and {@code
 * ROOT/cost_ledger}, through the provider routes; calls only what the cache does not hold.
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm --conf spark.executorEnv.OPENAI_API_KEY=... batchlm-jobs.jar infer --input hdfs:///requests/2026-11-27.jsonl --output hdfs:///batchlm --set infer.prompt=hdfs:///conf/prompts/summarize --set infer.model=gpt-4o-mini --set infer.base-url=https://api.openai.com/v1 --set infer.api-key-env=OPENAI_API_KEY
 * </pre>
 */
@Command(
    name = "infer",
    mixinStandardHelpOptions = true,
    description =
        "Answer a table of requests with an LLM: cached, rate-limited, validated, costed.")
final class InferJob extends BatchLm.Job {
  @Option(
      names = "--dry-run",
      description = "Print requests, cache hits, tokens and cost per route; call nothing")
  boolean dryRun;

  @Override
  public Integer call() {
    if (dryRun) {
      options.sets.add("infer.dry-run=true");
    }
    BatchConfig config = config("infer");
    SparkSession spark = BatchLm.session("infer");
    Summary.print(InferAction.run(spark, config));
    return 0;
  }
}
