package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.retrieve.RetrieveAction;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/**
 * Top-k chunks per query from {@code ROOT/chunks} and {@code ROOT/embeddings} into {@code
 * ROOT/retrievals}.
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar retrieve --output hdfs:///batchlm --set retrieve.queries=hdfs:///eval/questions.jsonl --set embed.model=hdfs:///models/bge-small-en-v1.5
 * </pre>
 */
@Command(
    name = "retrieve",
    mixinStandardHelpOptions = true,
    description = "Top-k chunks per query (vector, BM25, hybrid) into ROOT/retrievals.")
final class RetrieveJob extends BatchLm.Job {
  @Override
  public Integer call() {
    BatchConfig config = config("retrieve");
    SparkSession spark = BatchLm.session("retrieve");
    Summary.print(RetrieveAction.run(spark, config));
    return 0;
  }
}
