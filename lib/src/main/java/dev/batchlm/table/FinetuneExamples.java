package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code finetune_examples} table: one conversation to train on, with where it came from
 * (lineage back to the request, the feedback, or the dataset file and line) and its split.
 * Partitioned by run date. Written by {@code ft-prep}.
 */
public final class FinetuneExamples {
  public static final String EXAMPLE_ID = "example_id";
  public static final String SOURCE = "source";
  public static final String REQUEST_ID = "request_id";
  public static final String FEEDBACK_ID = "feedback_id";
  public static final String PROMPT_VERSION = "prompt_version";
  public static final String MODEL = "model";
  public static final String SOURCE_FILE = "source_file";
  public static final String SOURCE_LINE = "source_line";
  public static final String MESSAGES = "messages";
  public static final String RATING = "rating";
  public static final String CORRECTED = "corrected";
  public static final String PII_MASKED = "pii_masked";
  public static final String CLUSTER_ID = "cluster_id";
  public static final String SPLIT = "split";
  public static final String INPUT_IDS = "input_ids";
  public static final String LABELS = "labels";
  public static final String TOKEN_COUNT = "token_count";
  public static final String TRAINED_TOKENS = "trained_tokens";

  public static final StructType SCHEMA =
      new StructType()
          .add(EXAMPLE_ID, DataTypes.StringType, false)
          .add(SOURCE, DataTypes.StringType, false)
          .add(REQUEST_ID, DataTypes.StringType, true)
          .add(FEEDBACK_ID, DataTypes.StringType, true)
          .add(PROMPT_VERSION, DataTypes.StringType, true)
          .add(MODEL, DataTypes.StringType, true)
          .add(SOURCE_FILE, DataTypes.StringType, true)
          .add(SOURCE_LINE, DataTypes.LongType, true)
          .add(MESSAGES, DataTypes.StringType, false)
          .add(RATING, DataTypes.IntegerType, true)
          .add(CORRECTED, DataTypes.BooleanType, false)
          .add(PII_MASKED, DataTypes.IntegerType, false)
          .add(CLUSTER_ID, DataTypes.StringType, false)
          .add(SPLIT, DataTypes.StringType, false)
          .add(INPUT_IDS, DataTypes.createArrayType(DataTypes.LongType, false), true)
          .add(LABELS, DataTypes.createArrayType(DataTypes.LongType, false), true)
          .add(TOKEN_COUNT, DataTypes.IntegerType, true)
          .add(TRAINED_TOKENS, DataTypes.IntegerType, true);

  public static final TableSpec SPEC =
      new TableSpec("finetune_examples", SCHEMA, List.of(Tables.RUN_DATE));

  private FinetuneExamples() {}
}
