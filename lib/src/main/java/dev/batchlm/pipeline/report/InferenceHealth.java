package dev.batchlm.pipeline.report;

import dev.batchlm.config.Resources;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.LlmCache;
import dev.batchlm.table.Runs;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The {@code inference_health} view: request health per infer run, route and prompt version. Its
 * SQL ({@code conf/views/inference_health.sql}) is the definition; analysts run the same text in
 * DuckDB, this runs it in Spark over the tables under an output root.
 */
public final class InferenceHealth {
  /** Where the view's SQL is bundled. */
  public static final String SQL = Resources.BUNDLED + "views/inference_health.sql";

  private InferenceHealth() {}

  /** The view over the tables under {@code root}; a table not written yet reads as empty. */
  public static Dataset<Row> of(SparkSession spark, String root) {
    TableViews.register(spark, root, InferenceResults.SPEC, LlmCache.SPEC, Runs.SPEC);
    return over(spark);
  }

  /** The view over the tables already registered by name ({@link TableViews}). */
  static Dataset<Row> over(SparkSession spark) {
    return spark.sql(Resources.read(SQL, spark.sparkContext().hadoopConfiguration(), "view"));
  }
}
