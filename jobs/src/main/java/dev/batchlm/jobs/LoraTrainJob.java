package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.loratrain.LoraTrainAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/**
 * A LoRA adapter trained on the run date's fine-tuning examples, data-parallel over the executors:
 * {@code ROOT/adapters/<name>/<run_id>/} (PEFT's layout) and {@code ROOT/lora_metrics}.
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar lora-train --output hdfs:///batchlm --set lora-train.base-model=hdfs:///models/SmolLM-135M-Instruct
 * </pre>
 */
@Command(
    name = "lora-train",
    mixinStandardHelpOptions = true,
    description =
        "Train a LoRA adapter on the night's fine-tuning examples (ROOT/finetune_examples or"
            + " finetune_packed) into ROOT/adapters/<name>/<run_id>/, with ROOT/lora_metrics.")
final class LoraTrainJob extends BatchLm.Job {
  @Override
  public Integer call() {
    BatchConfig config = config("lora-train");
    SparkSession spark = BatchLm.session("lora-train");
    Summary.print(LoraTrainAction.run(spark, config));
    return 0;
  }
}
