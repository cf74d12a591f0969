package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code finetune_packed} table: {@code finetune_examples}' tokenized examples packed into
 * training sequences of at most {@code max_length} tokens, one split each, when {@code
 * ft-prep.packing} is on. Each example's positions restart at 0 and {@code sequence_lengths} gives
 * its boundaries, so attention stays inside an example. Partitioned by run date.
 */
public final class FinetunePacked {
  public static final String SEQUENCE_ID = "sequence_id";
  public static final String SPLIT = "split";
  public static final String EXAMPLE_IDS = "example_ids";
  public static final String INPUT_IDS = "input_ids";
  public static final String LABELS = "labels";
  public static final String POSITION_IDS = "position_ids";
  public static final String SEQUENCE_LENGTHS = "sequence_lengths";
  public static final String TOKEN_COUNT = "token_count";
  public static final String MAX_LENGTH = "max_length";

  public static final StructType SCHEMA =
      new StructType()
          .add(SEQUENCE_ID, DataTypes.StringType, false)
          .add(SPLIT, DataTypes.StringType, false)
          .add(EXAMPLE_IDS, DataTypes.createArrayType(DataTypes.StringType, false), false)
          .add(INPUT_IDS, DataTypes.createArrayType(DataTypes.LongType, false), false)
          .add(LABELS, DataTypes.createArrayType(DataTypes.LongType, false), false)
          .add(POSITION_IDS, DataTypes.createArrayType(DataTypes.IntegerType, false), false)
          .add(SEQUENCE_LENGTHS, DataTypes.createArrayType(DataTypes.IntegerType, false), false)
          .add(TOKEN_COUNT, DataTypes.IntegerType, false)
          .add(MAX_LENGTH, DataTypes.IntegerType, false);

  public static final TableSpec SPEC =
      new TableSpec("finetune_packed", SCHEMA, List.of(Tables.RUN_DATE));

  private FinetunePacked() {}
}
