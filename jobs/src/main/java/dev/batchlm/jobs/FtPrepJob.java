package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.ftprep.FtPrepAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/**
 * The run date's approved answers (and chat datasets) into {@code ROOT/finetune_examples}, with the
 * funnel in {@code ROOT/finetune_report}.
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar ft-prep --output hdfs:///batchlm --set ft-prep.feedback=hdfs:///feedback/2026-11-27.jsonl
 * </pre>
 */
@Command(
    name = "ft-prep",
    mixinStandardHelpOptions = true,
    description =
        "Turn the night's answers users approved, and chat datasets, into deduplicated,"
            + " decontaminated fine-tuning examples (ROOT/finetune_examples, ROOT/finetune_report).")
final class FtPrepJob extends BatchLm.Job {
  @Override
  public Integer call() {
    BatchConfig config = config("ft-prep");
    SparkSession spark = BatchLm.session("ft-prep");
    Summary.print(FtPrepAction.run(spark, config));
    return 0;
  }
}
