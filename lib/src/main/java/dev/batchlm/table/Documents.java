package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code documents} table: one row per document of a run date's snapshot, written by ingest.
 */
public final class Documents {
  public static final String RUN_ID = "run_id";
  public static final String DOC_ID = "doc_id";
  public static final String SOURCE_URI = "source_uri";
  public static final String CONTENT_SHA256 = "content_sha256";
  public static final String MIME_TYPE = "mime_type";
  public static final String TITLE = "title";
  public static final String TEXT = "text";
  public static final String CHAR_COUNT = "char_count";
  public static final String INGESTED_AT = "ingested_at";
  public static final String CHANGE = "change";

  public static final StructType SCHEMA =
      new StructType()
          .add(RUN_ID, DataTypes.StringType, false)
          .add(DOC_ID, DataTypes.StringType, false)
          .add(SOURCE_URI, DataTypes.StringType, false)
          .add(CONTENT_SHA256, DataTypes.StringType, false)
          .add(MIME_TYPE, DataTypes.StringType, false)
          .add(TITLE, DataTypes.StringType, true)
          .add(TEXT, DataTypes.StringType, false)
          .add(CHAR_COUNT, DataTypes.IntegerType, false)
          .add(INGESTED_AT, DataTypes.TimestampType, false)
          .add(CHANGE, DataTypes.StringType, false);

  public static final TableSpec SPEC = new TableSpec("documents", SCHEMA, List.of(Tables.RUN_DATE));

  private Documents() {}
}
