package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The {@code inference_results} table: one row per request of an infer run, answered or not. */
public final class InferenceResults {
  public static final String RUN_ID = "run_id";
  public static final String REQUEST_ID = "request_id";
  public static final String PROMPT_NAME = "prompt_name";
  public static final String PROMPT_VERSION = "prompt_version";
  public static final String MODEL_ALIAS = "model_alias";
  public static final String ROUTE = "route";
  public static final String PROVIDER = "provider";
  public static final String MODEL = "model";
  public static final String PARAMS = "params";
  public static final String CACHE_KEY = "cache_key";
  public static final String CACHE_HIT = "cache_hit";
  public static final String OUTPUT_TEXT = "output_text";
  public static final String OUTPUT_JSON = "output_json";
  public static final String VALID = "valid";
  public static final String VALIDATION_ERROR = "validation_error";
  public static final String FINISH_REASON = "finish_reason";
  public static final String INPUT_TOKENS = "input_tokens";
  public static final String OUTPUT_TOKENS = "output_tokens";
  public static final String CACHED_TOKENS = "cached_tokens";
  public static final String REASONING_TOKENS = "reasoning_tokens";
  public static final String COST_USD = "cost_usd";
  public static final String LATENCY_MS = "latency_ms";
  public static final String DEVICE_MS = "device_ms";
  public static final String ATTEMPTS = "attempts";
  public static final String CONTEXT_CHUNK_IDS = "context_chunk_ids";
  public static final String ERROR = "error";
  public static final String MESSAGES = "messages";
  public static final String COST_SAVED_USD = "cost_saved_usd";
  public static final String BATCH_ID = "batch_id";

  public static final StructType SCHEMA =
      new StructType()
          .add(RUN_ID, DataTypes.StringType, false)
          .add(REQUEST_ID, DataTypes.StringType, false)
          .add(PROMPT_NAME, DataTypes.StringType, false)
          .add(PROMPT_VERSION, DataTypes.StringType, false)
          .add(MODEL_ALIAS, DataTypes.StringType, false)
          .add(ROUTE, DataTypes.StringType, true)
          .add(PROVIDER, DataTypes.StringType, true)
          .add(MODEL, DataTypes.StringType, true)
          .add(PARAMS, DataTypes.StringType, false)
          .add(CACHE_KEY, DataTypes.StringType, true)
          .add(CACHE_HIT, DataTypes.BooleanType, false)
          .add(OUTPUT_TEXT, DataTypes.StringType, true)
          .add(OUTPUT_JSON, DataTypes.StringType, true)
          .add(VALID, DataTypes.BooleanType, false)
          .add(VALIDATION_ERROR, DataTypes.StringType, true)
          .add(FINISH_REASON, DataTypes.StringType, true)
          .add(INPUT_TOKENS, DataTypes.LongType, false)
          .add(OUTPUT_TOKENS, DataTypes.LongType, false)
          .add(CACHED_TOKENS, DataTypes.LongType, false)
          .add(REASONING_TOKENS, DataTypes.LongType, false)
          .add(COST_USD, DataTypes.DoubleType, true)
          .add(LATENCY_MS, DataTypes.LongType, false)
          .add(DEVICE_MS, DataTypes.DoubleType, false)
          .add(ATTEMPTS, DataTypes.IntegerType, false)
          .add(CONTEXT_CHUNK_IDS, DataTypes.createArrayType(DataTypes.StringType, false), false)
          .add(ERROR, DataTypes.StringType, true)
          .add(MESSAGES, DataTypes.StringType, true)
          .add(COST_SAVED_USD, DataTypes.DoubleType, true)
          .add(BATCH_ID, DataTypes.StringType, true);

  public static final TableSpec SPEC =
      new TableSpec("inference_results", SCHEMA, List.of(Tables.RUN_DATE));

  private InferenceResults() {}
}
