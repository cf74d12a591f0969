package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code cost_ledger} table: one row per run × job × provider × model × prompt version, and for
 * infer × whether the requests were answered through a provider's Batch API ({@code batch}).
 * Partitioned by run date and run id (the {@code run_id} column comes from the folder), so a rerun
 * of a night adds its own rows next to the first run's instead of replacing what was paid then.
 */
public final class CostLedger {
  public static final String RUN_ID = "run_id";
  public static final String JOB = "job";
  public static final String PROVIDER = "provider";
  public static final String MODEL = "model";
  public static final String PROMPT_VERSION = "prompt_version";
  public static final String REQUESTS = "requests";
  public static final String CACHE_HITS = "cache_hits";
  public static final String ERRORS = "errors";
  public static final String INPUT_TOKENS = "input_tokens";
  public static final String OUTPUT_TOKENS = "output_tokens";
  public static final String CACHED_TOKENS = "cached_tokens";
  public static final String COST_USD = "cost_usd";
  public static final String COST_SAVED_USD = "cost_saved_usd";
  public static final String DEVICE_SECONDS = "device_seconds";
  public static final String PAID_INPUT_TOKENS = "paid_input_tokens";
  public static final String PAID_OUTPUT_TOKENS = "paid_output_tokens";
  public static final String BATCH = "batch";

  public static final StructType SCHEMA =
      new StructType()
          .add(JOB, DataTypes.StringType, false)
          .add(PROVIDER, DataTypes.StringType, false)
          .add(MODEL, DataTypes.StringType, false)
          .add(PROMPT_VERSION, DataTypes.StringType, false)
          .add(REQUESTS, DataTypes.LongType, false)
          .add(CACHE_HITS, DataTypes.LongType, false)
          .add(ERRORS, DataTypes.LongType, false)
          .add(INPUT_TOKENS, DataTypes.LongType, false)
          .add(OUTPUT_TOKENS, DataTypes.LongType, false)
          .add(CACHED_TOKENS, DataTypes.LongType, false)
          .add(COST_USD, DataTypes.DoubleType, true)
          .add(COST_SAVED_USD, DataTypes.DoubleType, true)
          .add(DEVICE_SECONDS, DataTypes.DoubleType, false)
          .add(PAID_INPUT_TOKENS, DataTypes.LongType, true)
          .add(PAID_OUTPUT_TOKENS, DataTypes.LongType, true)
          .add(BATCH, DataTypes.BooleanType, true);

  public static final TableSpec SPEC =
      new TableSpec("cost_ledger", SCHEMA, List.of(Tables.RUN_DATE, RUN_ID));

  private CostLedger() {}
}
