package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code finetune_report} table: ft-prep's funnel, one row per stage and outcome (how many
 * examples each stage read, kept, dropped and why, masked by PII kind). Partitioned by run date.
 */
public final class FinetuneReport {
  public static final String RUN_ID = "run_id";
  public static final String STEP = "step";
  public static final String STAGE = "stage";
  public static final String OUTCOME = "outcome";
  public static final String COUNT = "count";

  public static final StructType SCHEMA =
      new StructType()
          .add(RUN_ID, DataTypes.StringType, false)
          .add(STEP, DataTypes.IntegerType, false)
          .add(STAGE, DataTypes.StringType, false)
          .add(OUTCOME, DataTypes.StringType, false)
          .add(COUNT, DataTypes.LongType, false);

  public static final TableSpec SPEC =
      new TableSpec("finetune_report", SCHEMA, List.of(Tables.RUN_DATE));

  private FinetuneReport() {}
}
