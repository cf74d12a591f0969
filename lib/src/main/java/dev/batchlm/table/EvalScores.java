package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code eval_scores} table: one row per example × metric of an eval run. Partitioned by run
 * date and run id, so later runs can be compared against this one (their baseline).
 */
public final class EvalScores {
  public static final String RUN_ID = "run_id";
  public static final String KIND = "kind";
  public static final String SYSTEM = "system";
  public static final String EXAMPLE_ID = "example_id";
  public static final String METRIC = "metric";
  public static final String VALUE = "value";

  public static final StructType SCHEMA =
      new StructType()
          .add(KIND, DataTypes.StringType, false)
          .add(SYSTEM, DataTypes.StringType, false)
          .add(EXAMPLE_ID, DataTypes.StringType, false)
          .add(METRIC, DataTypes.StringType, false)
          .add(VALUE, DataTypes.DoubleType, false);

  public static final TableSpec SPEC =
      new TableSpec("eval_scores", SCHEMA, List.of(Tables.RUN_DATE, RUN_ID));

  private EvalScores() {}
}
