package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.ChunkAction;
import dev.batchlm.pipeline.IngestAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/**
 * The nightly run in one command: ingest, then chunk (later issues add their stages).
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar pipeline --conf hdfs:///conf/nightly.conf
 * </pre>
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = "Run the nightly pipeline: ingest, chunk.")
class PipelineJob extends BatchLm.Job {
  @Override
  public Integer call() {
    BatchConfig config = config("ingest");
    SparkSession spark = BatchLm.session(name());
    IngestAction.Result ingest = IngestAction.run(spark, config);
    ChunkAction.Result chunk = ChunkAction.run(spark, config);
    Summary.print(ingest);
    Summary.print(chunk);
    Summary.quarantine(spark, config);
    return 0;
  }

  String name() {
    return "pipeline";
  }
}
