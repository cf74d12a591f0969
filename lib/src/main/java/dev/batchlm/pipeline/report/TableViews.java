package dev.batchlm.pipeline.report;

import dev.batchlm.table.TableSpec;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;

/**
 * The tables under an output root as temporary views of their names, so that SQL written against
 * table names (the views under conf/views, the report's queries) runs in Spark as in DuckDB.
 */
final class TableViews {
  private TableViews() {}

  /**
   * Registers each table with its partition columns; a table partitioned by night keeps only the
   * nights {@code first}…{@code last} (its other folders are not read), and a table not written yet
   * is an empty view.
   */
  static void register(
      SparkSession spark, String root, LocalDate first, LocalDate last, TableSpec... specs) {
    for (TableSpec spec : specs) {
      Dataset<Row> rows = read(spark, root, spec);
      if (spec.partitionColumns().contains(Tables.RUN_DATE)) {
        rows = rows.where(functions.col(Tables.RUN_DATE).between(first, last));
      }
      rows.createOrReplaceTempView(spec.name());
    }
  }

  /** Registers each table whole. */
  static void register(SparkSession spark, String root, TableSpec... specs) {
    Arrays.stream(specs).forEach(s -> read(spark, root, s).createOrReplaceTempView(s.name()));
  }

  private static Dataset<Row> read(SparkSession spark, String root, TableSpec spec) {
    Path table = Tables.table(root, spec);
    StructType schema = spec.readSchema();
    try {
      boolean exists =
          table.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(table);
      return exists
          ? spark.read().schema(schema).parquet(table.toString())
          : spark.createDataFrame(List.of(), schema);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot access " + table + ": " + e.getMessage(), e);
    }
  }
}
