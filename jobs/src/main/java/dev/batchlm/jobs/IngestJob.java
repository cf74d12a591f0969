package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.ingest.IngestAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/**
 * Files or a table into {@code documents} (and {@code quarantine}).
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar ingest --input hdfs:///corpus --output hdfs:///batchlm
 * </pre>
 */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = "Extract text from files or a table into ROOT/documents.")
final class IngestJob extends BatchLm.Job {
  @Override
  public Integer call() {
    BatchConfig config = config("ingest");
    SparkSession spark = BatchLm.session("ingest");
    Summary.print(IngestAction.run(spark, config));
    return 0;
  }
}
