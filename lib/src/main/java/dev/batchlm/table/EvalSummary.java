package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code eval_summary} table: per kind × system × metric × slice of an eval run, the mean with
 * its bootstrap interval, how many examples were scored of how many expected, and against a
 * baseline run the paired difference. Partitioned by run date and run id.
 */
public final class EvalSummary {
  public static final String RUN_ID = "run_id";
  public static final String KIND = "kind";
  public static final String SYSTEM = "system";
  public static final String METRIC = "metric";
  public static final String SLICE = "slice";
  public static final String N = "n";
  public static final String EXPECTED = "expected";
  public static final String MEAN = "mean";
  public static final String CI_LOW = "ci_low";
  public static final String CI_HIGH = "ci_high";
  public static final String BASELINE_RUN_ID = "baseline_run_id";
  public static final String PAIRED = "paired";
  public static final String BASELINE_MEAN = "baseline_mean";
  public static final String DELTA = "delta";
  public static final String DELTA_LOW = "delta_low";
  public static final String DELTA_HIGH = "delta_high";

  public static final StructType SCHEMA =
      new StructType()
          .add(KIND, DataTypes.StringType, false)
          .add(SYSTEM, DataTypes.StringType, false)
          .add(METRIC, DataTypes.StringType, false)
          .add(SLICE, DataTypes.StringType, false)
          .add(N, DataTypes.LongType, false)
          .add(EXPECTED, DataTypes.LongType, false)
          .add(MEAN, DataTypes.DoubleType, true)
          .add(CI_LOW, DataTypes.DoubleType, true)
          .add(CI_HIGH, DataTypes.DoubleType, true)
          .add(BASELINE_RUN_ID, DataTypes.StringType, true)
          .add(PAIRED, DataTypes.LongType, false)
          .add(BASELINE_MEAN, DataTypes.DoubleType, true)
          .add(DELTA, DataTypes.DoubleType, true)
          .add(DELTA_LOW, DataTypes.DoubleType, true)
          .add(DELTA_HIGH, DataTypes.DoubleType, true);

  public static final TableSpec SPEC =
      new TableSpec("eval_summary", SCHEMA, List.of(Tables.RUN_DATE, RUN_ID));

  private EvalSummary() {}
}
