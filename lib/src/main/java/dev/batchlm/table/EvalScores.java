package dev.batchlm.table;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code eval_scores} table: one row per example × metric of an eval run, with the sufficient
 * statistics of BLEU and chrF (so corpus scores can be recomputed and compared on any subset).
 * Partitioned by run date and run id, so later runs can be compared against this one (their
 * baseline).
 */
public final class EvalScores {
  public static final String RUN_ID = "run_id";
  public static final String KIND = "kind";
  public static final String SYSTEM = "system";
  public static final String EXAMPLE_ID = "example_id";
  public static final String METRIC = "metric";
  public static final String VALUE = "value";
  public static final String STATS = "stats";

  public static final StructType SCHEMA =
      new StructType()
          .add(KIND, DataTypes.StringType, false)
          .add(SYSTEM, DataTypes.StringType, false)
          .add(EXAMPLE_ID, DataTypes.StringType, false)
          .add(METRIC, DataTypes.StringType, false)
          .add(VALUE, DataTypes.DoubleType, false)
          .add(STATS, DataTypes.createArrayType(DataTypes.DoubleType, false), true);

  public static final TableSpec SPEC =
      new TableSpec("eval_scores", SCHEMA, List.of(Tables.RUN_DATE, RUN_ID));

  private EvalScores() {}

  /** A row of this schema; {@code stats} null for metrics without sufficient statistics. */
  public static Row row(
      String kind, String system, String exampleId, String metric, double value, double[] stats) {
    return RowFactory.create(
        kind,
        system,
        exampleId,
        metric,
        value,
        stats == null ? null : Arrays.stream(stats).boxed().toArray(Double[]::new));
  }
}
