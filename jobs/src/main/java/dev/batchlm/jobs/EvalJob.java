package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.eval.EvalAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/**
 * Answers and retrievals scored against references and judgments into {@code ROOT/eval_scores},
 * {@code ROOT/eval_summary} and an HTML report; exits with {@link #GATE_FAILED} after writing them
 * when an {@code eval.gate} check fails, so a scheduler can stop the pipeline.
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar eval --output hdfs:///batchlm --set eval.references=hdfs:///eval/references.jsonl --set eval.baseline=20261126T093000Z-eval-9f8e7d6c --set 'eval.gate=["f1:0.02"]'
 * </pre>
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Score answers and retrievals against references: tables, report, gate.")
final class EvalJob extends BatchLm.Job {
  static final int GATE_FAILED = 3;

  @Override
  public Integer call() {
    BatchConfig config = config("eval");
    SparkSession spark = BatchLm.session("eval");
    EvalAction.Result r = EvalAction.run(spark, config);
    Summary.print(r);
    return r.gateFailures().isEmpty() ? 0 : GATE_FAILED;
  }
}
