package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.chunk.ChunkAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/**
 * {@code ROOT/documents} of the run date into {@code ROOT/chunks}.
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar chunk --output hdfs:///batchlm --set chunk.strategy=markdown
 * </pre>
 */
@Command(
    name = "chunk",
    mixinStandardHelpOptions = true,
    description = "Split ROOT/documents into ROOT/chunks.")
final class ChunkJob extends BatchLm.Job {
  @Override
  public Integer call() {
    BatchConfig config = config("chunk");
    SparkSession spark = BatchLm.session("chunk");
    Summary.print(ChunkAction.run(spark, config));
    return 0;
  }
}
