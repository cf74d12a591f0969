package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The {@code chunks} table: one row per chunk of each document of a run date, written by chunk. */
public final class Chunks {
  public static final String RUN_ID = "run_id";
  public static final String CHUNK_ID = "chunk_id";
  public static final String DOC_ID = "doc_id";
  public static final String DOC_SHA256 = "doc_sha256";
  public static final String CHUNK_INDEX = "chunk_index";
  public static final String TEXT = "text";
  public static final String CHAR_START = "char_start";
  public static final String CHAR_END = "char_end";
  public static final String TOKEN_COUNT = "token_count";
  public static final String STRATEGY = "strategy";
  public static final String SECTION = "section";

  public static final StructType SCHEMA =
      new StructType()
          .add(RUN_ID, DataTypes.StringType, false)
          .add(CHUNK_ID, DataTypes.StringType, false)
          .add(DOC_ID, DataTypes.StringType, false)
          .add(DOC_SHA256, DataTypes.StringType, false)
          .add(CHUNK_INDEX, DataTypes.IntegerType, false)
          .add(TEXT, DataTypes.StringType, false)
          .add(CHAR_START, DataTypes.IntegerType, false)
          .add(CHAR_END, DataTypes.IntegerType, false)
          .add(TOKEN_COUNT, DataTypes.IntegerType, true)
          .add(STRATEGY, DataTypes.StringType, false)
          .add(SECTION, DataTypes.StringType, true);

  public static final TableSpec SPEC = new TableSpec("chunks", SCHEMA, List.of(Tables.RUN_DATE));

  private Chunks() {}
}
