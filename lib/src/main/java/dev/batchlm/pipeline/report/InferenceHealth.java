package dev.batchlm.pipeline.report;

import dev.batchlm.config.Resources;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.LlmCache;
import dev.batchlm.table.Runs;
import dev.batchlm.table.TableSpec;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

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
    register(spark, root, InferenceResults.SPEC);
    register(spark, root, LlmCache.SPEC);
    register(spark, root, Runs.SPEC);
    return spark.sql(Resources.read(SQL, spark.sparkContext().hadoopConfiguration(), "view"));
  }

  /** The table as a temporary view of its name, partition columns included. */
  static void register(SparkSession spark, String root, TableSpec spec) {
    Path table = Tables.table(root, spec);
    StructType schema = spec.schema();
    for (String partition : spec.partitionColumns()) {
      schema =
          schema.add(
              partition,
              partition.equals(Tables.RUN_DATE)
                  ? org.apache.spark.sql.types.DataTypes.DateType
                  : org.apache.spark.sql.types.DataTypes.StringType);
    }
    Dataset<Row> rows;
    try {
      boolean exists =
          table.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(table);
      rows =
          exists
              ? spark.read().schema(schema).parquet(table.toString())
              : spark.createDataFrame(List.of(), schema);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot access " + table + ": " + e.getMessage(), e);
    }
    rows.createOrReplaceTempView(spec.name());
  }
}
