package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The {@code embeddings} table: one vector per chunk and model, written by embed. */
public final class Embeddings {
  public static final String RUN_ID = "run_id";
  public static final String CHUNK_ID = "chunk_id";
  public static final String MODEL_ID = "model_id";
  public static final String DIM = "dim";
  public static final String VECTOR = "vector";
  public static final String NORMALIZED = "normalized";
  public static final String TRUNCATED = "truncated";
  public static final String SETTINGS = "settings";

  public static final StructType SCHEMA =
      new StructType()
          .add(RUN_ID, DataTypes.StringType, false)
          .add(CHUNK_ID, DataTypes.StringType, false)
          .add(MODEL_ID, DataTypes.StringType, false)
          .add(DIM, DataTypes.IntegerType, false)
          .add(VECTOR, DataTypes.createArrayType(DataTypes.FloatType, false), false)
          .add(NORMALIZED, DataTypes.BooleanType, false)
          .add(TRUNCATED, DataTypes.BooleanType, false)
          .add(SETTINGS, DataTypes.StringType, true);

  public static final TableSpec SPEC =
      new TableSpec("embeddings", SCHEMA, List.of(Tables.RUN_DATE));

  private Embeddings() {}
}
