package dev.batchlm.table;

import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code quarantine} table: every input a job could not process, with the reason. Partitioned
 * by run date and stage (the job), so each job replaces only its own rows when rerun.
 */
public final class Quarantine {
  public static final String RUN_ID = "run_id";
  public static final String SOURCE = "source";
  public static final String ERROR_CLASS = "error_class";
  public static final String MESSAGE = "message";
  public static final String DETECTED_AT = "detected_at";
  public static final String STAGE = "stage";

  public static final StructType SCHEMA =
      new StructType()
          .add(RUN_ID, DataTypes.StringType, false)
          .add(SOURCE, DataTypes.StringType, false)
          .add(ERROR_CLASS, DataTypes.StringType, false)
          .add(MESSAGE, DataTypes.StringType, false)
          .add(DETECTED_AT, DataTypes.TimestampType, false);

  public static final TableSpec SPEC =
      new TableSpec("quarantine", SCHEMA, List.of(Tables.RUN_DATE, STAGE));

  private Quarantine() {}

  /**
   * A quarantine row (its width, 5, tells it apart from a job's own rows in mixed executor output).
   */
  public static Row row(
      String runId, String source, String errorClass, String message, Timestamp at) {
    return RowFactory.create(runId, source, errorClass, message, at);
  }
}
