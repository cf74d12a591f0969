package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code llm_batches} table: the log of every provider batch infer submitted, one row per
 * change of state ({@code ref} names a batch from before it has a provider id; its newest row is
 * where it stands). Append-only, not partitioned (a batch outlives the run that sent it); a run
 * writes a row before it waits on a batch, so the next run adopts what a killed one left open. The
 * input files are kept beside it under {@code _inputs/} ({@code input_file} is a name there, never
 * a machine's path).
 */
public final class LlmBatches {
  public static final String NAME = "llm_batches";
  public static final String INPUTS = "_inputs";

  public static final StructType SCHEMA =
      new StructType()
          .add("ref", DataTypes.StringType, false)
          .add("route", DataTypes.StringType, false)
          .add("provider", DataTypes.StringType, false)
          .add("model", DataTypes.StringType, false)
          .add("batch_id", DataTypes.StringType, true)
          .add("state", DataTypes.StringType, false)
          .add("input_file", DataTypes.StringType, false)
          .add("input_file_id", DataTypes.StringType, true)
          .add("requests", DataTypes.LongType, false)
          .add("bytes", DataTypes.LongType, false)
          .add("worst_case_usd", DataTypes.DoubleType, true)
          .add("succeeded", DataTypes.LongType, false)
          .add("failed", DataTypes.LongType, false)
          .add("cost_usd", DataTypes.DoubleType, true)
          .add("run_id", DataTypes.StringType, false)
          .add("recorded_at", DataTypes.TimestampType, false)
          .add("message", DataTypes.StringType, true);

  public static final TableSpec SPEC = new TableSpec(NAME, SCHEMA, List.of());

  private LlmBatches() {}
}
