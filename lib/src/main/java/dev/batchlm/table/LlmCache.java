package dev.batchlm.table;

import java.util.List;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code llm_cache} table: every paid answer, keyed by the request's cache key. Append-only and
 * not partitioned by date (an answer serves every later night); executors add small files to it as
 * answers arrive ({@code part-<run_id>-<task>-<n>.parquet}), so a killed run keeps what it paid
 * for. A key may appear more than once (two runs racing); readers take any one.
 */
public final class LlmCache {
  public static final String CACHE_KEY = "cache_key";
  public static final String PROVIDER = "provider";
  public static final String MODEL = "model";
  public static final String ROUTE = "route";
  public static final String OUTPUT_TEXT = "output_text";
  public static final String FINISH_REASON = "finish_reason";
  public static final String RESPONSE = "response";
  public static final String INPUT_TOKENS = "input_tokens";
  public static final String OUTPUT_TOKENS = "output_tokens";
  public static final String CACHED_TOKENS = "cached_tokens";
  public static final String REASONING_TOKENS = "reasoning_tokens";
  public static final String COST_USD = "cost_usd";
  public static final String LATENCY_MS = "latency_ms";
  public static final String REQUEST_ID = "request_id";
  public static final String RUN_ID = "run_id";
  public static final String CREATED_AT = "created_at";

  public static final StructType SCHEMA =
      new StructType()
          .add(CACHE_KEY, DataTypes.StringType, false)
          .add(PROVIDER, DataTypes.StringType, false)
          .add(MODEL, DataTypes.StringType, false)
          .add(ROUTE, DataTypes.StringType, false)
          .add(OUTPUT_TEXT, DataTypes.StringType, false)
          .add(FINISH_REASON, DataTypes.StringType, false)
          .add(RESPONSE, DataTypes.StringType, false)
          .add(INPUT_TOKENS, DataTypes.LongType, false)
          .add(OUTPUT_TOKENS, DataTypes.LongType, false)
          .add(CACHED_TOKENS, DataTypes.LongType, false)
          .add(REASONING_TOKENS, DataTypes.LongType, false)
          .add(COST_USD, DataTypes.DoubleType, true)
          .add(LATENCY_MS, DataTypes.LongType, false)
          .add(REQUEST_ID, DataTypes.StringType, false)
          .add(RUN_ID, DataTypes.StringType, false)
          .add(CREATED_AT, DataTypes.TimestampType, false);

  /** The same schema for writers that do not go through Spark (the executors' cache files). */
  public static final MessageType PARQUET =
      MessageTypeParser.parseMessageType(
          "message llm_cache {\n"
              + "  required binary cache_key (STRING);\n"
              + "  required binary provider (STRING);\n"
              + "  required binary model (STRING);\n"
              + "  required binary route (STRING);\n"
              + "  required binary output_text (STRING);\n"
              + "  required binary finish_reason (STRING);\n"
              + "  required binary response (STRING);\n"
              + "  required int64 input_tokens;\n"
              + "  required int64 output_tokens;\n"
              + "  required int64 cached_tokens;\n"
              + "  required int64 reasoning_tokens;\n"
              + "  optional double cost_usd;\n"
              + "  required int64 latency_ms;\n"
              + "  required binary request_id (STRING);\n"
              + "  required binary run_id (STRING);\n"
              + "  required int64 created_at (TIMESTAMP(MICROS,true));\n"
              + "}");

  public static final TableSpec SPEC = new TableSpec("llm_cache", SCHEMA, List.of());

  private LlmCache() {}
}
