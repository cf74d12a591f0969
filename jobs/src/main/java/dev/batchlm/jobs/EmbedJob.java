package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.embed.EmbedAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/**
 * {@code ROOT/chunks} of the run date into {@code ROOT/embeddings} with a local encoder.
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar embed --output hdfs:///batchlm --set embed.model=hdfs:///models/bge-small-en-v1.5
 * </pre>
 */
@Command(
    name = "embed",
    mixinStandardHelpOptions = true,
    description = "Embed ROOT/chunks into ROOT/embeddings with a local BERT-family encoder.")
final class EmbedJob extends BatchLm.Job {
  @Override
  public Integer call() {
    BatchConfig config = config("embed");
    SparkSession spark = BatchLm.session("embed");
    Summary.print(EmbedAction.run(spark, config));
    return 0;
  }
}
