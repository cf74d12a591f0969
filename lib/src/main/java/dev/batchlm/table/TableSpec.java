package dev.batchlm.table;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * An output table: its name (the folder under ROOT), the explicit schema of the rows in its Parquet
 * files, and its partition columns (folders {@code col=value}, in order; not stored in the files).
 * docs/tables.md documents every column and a test keeps the two in step.
 */
public record TableSpec(String name, StructType schema, List<String> partitionColumns) {
  public TableSpec {
    requireNonNull(name, "name");
    requireNonNull(schema, "schema");
    partitionColumns = List.copyOf(partitionColumns);
  }

  /**
   * The rows as a reader of the table's folder sees them: the partition columns appended ({@code
   * run_date} a date, the others strings), except one the files also hold.
   */
  public StructType readSchema() {
    StructType read = schema;
    for (String p : partitionColumns) {
      if (!Arrays.asList(schema.fieldNames()).contains(p)) {
        read = read.add(p, p.equals(Tables.RUN_DATE) ? DataTypes.DateType : DataTypes.StringType);
      }
    }
    return read;
  }
}
