package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code lora_metrics} table: one row per optimizer step of a {@code lora-train} run (the
 * batch's mean token loss, the learning rate, the gradient norm before clipping, tokens and speed),
 * with the validation loss on the steps where it was measured. Partitioned by run date and adapter
 * name: adapters trained the same night keep their own rows.
 */
public final class LoraMetrics {
  public static final String RUN_ID = "run_id";
  public static final String ADAPTER = "adapter";
  public static final String STEP = "step";
  public static final String EPOCH = "epoch";
  public static final String LOSS = "loss";
  public static final String LEARNING_RATE = "learning_rate";
  public static final String GRAD_NORM = "grad_norm";
  public static final String TOKENS = "tokens";
  public static final String TOKENS_PER_SECOND = "tokens_per_second";
  public static final String VALIDATION_LOSS = "validation_loss";
  public static final String DEVICE_SECONDS = "device_seconds";
  public static final String SECONDS = "seconds";

  public static final StructType SCHEMA =
      new StructType()
          .add(RUN_ID, DataTypes.StringType, false)
          .add(ADAPTER, DataTypes.StringType, false)
          .add(STEP, DataTypes.IntegerType, false)
          .add(EPOCH, DataTypes.IntegerType, false)
          .add(LOSS, DataTypes.DoubleType, false)
          .add(LEARNING_RATE, DataTypes.DoubleType, false)
          .add(GRAD_NORM, DataTypes.DoubleType, false)
          .add(TOKENS, DataTypes.LongType, false)
          .add(TOKENS_PER_SECOND, DataTypes.DoubleType, false)
          .add(VALIDATION_LOSS, DataTypes.DoubleType, true)
          .add(DEVICE_SECONDS, DataTypes.DoubleType, false)
          .add(SECONDS, DataTypes.DoubleType, false);

  public static final TableSpec SPEC =
      new TableSpec("lora_metrics", SCHEMA, List.of(Tables.RUN_DATE, ADAPTER));

  private LoraMetrics() {}
}
