package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code retrievals} table: the top chunks per query and method, written by retrieve. The
 * expansion methods also write the list of each query they fused ({@code step} 1 the question
 * itself, then the paraphrases, the hypothetical answer or the follow-ups, with its text in {@code
 * step_query}); the method's own list has {@code step} null, as every other method's.
 */
public final class Retrievals {
  public static final String RUN_ID = "run_id";
  public static final String QUERY_ID = "query_id";
  public static final String METHOD = "method";
  public static final String RANK = "rank";
  public static final String CHUNK_ID = "chunk_id";
  public static final String DOC_ID = "doc_id";
  public static final String SCORE = "score";
  public static final String STEP = "step";
  public static final String STEP_QUERY = "step_query";

  public static final StructType SCHEMA =
      new StructType()
          .add(RUN_ID, DataTypes.StringType, false)
          .add(QUERY_ID, DataTypes.StringType, false)
          .add(METHOD, DataTypes.StringType, false)
          .add(RANK, DataTypes.IntegerType, false)
          .add(CHUNK_ID, DataTypes.StringType, false)
          .add(DOC_ID, DataTypes.StringType, false)
          .add(SCORE, DataTypes.DoubleType, false)
          .add(STEP, DataTypes.IntegerType, true)
          .add(STEP_QUERY, DataTypes.StringType, true);

  public static final TableSpec SPEC =
      new TableSpec("retrievals", SCHEMA, List.of(Tables.RUN_DATE));

  private Retrievals() {}
}
