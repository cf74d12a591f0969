package dev.batchlm.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.testing.LocalSpark;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class RecordRowsTest {
  record Usage(long inputTokens, Double costUsd) implements Serializable {}

  record Call(
      String requestId,
      int attempts,
      boolean cacheHit,
      List<String> chunkIds,
      Usage usage,
      Timestamp createdAt)
      implements Serializable {}

  private static final RecordRows<Call> ROWS = RecordRows.of(Call.class);

  @Test
  void namesEachColumnOnceFromItsComponentInSnakeCase() {
    StructType usage =
        new StructType()
            .add("input_tokens", DataTypes.LongType, false)
            .add("cost_usd", DataTypes.DoubleType, true);
    assertThat(ROWS.schema())
        .isEqualTo(
            new StructType()
                .add("request_id", DataTypes.StringType, true)
                .add("attempts", DataTypes.IntegerType, false)
                .add("cache_hit", DataTypes.BooleanType, false)
                .add("chunk_ids", DataTypes.createArrayType(DataTypes.StringType, false), true)
                .add("usage", usage, true)
                .add("created_at", DataTypes.TimestampType, true));
  }

  @Test
  void aRecordSurvivesSparkAndParquet() throws Exception {
    SparkSession spark = LocalSpark.session();
    List<Call> calls =
        List.of(
            new Call("a", 2, false, List.of("c1", "c2"), new Usage(7, 0.5), new Timestamp(1000)),
            new Call(null, 0, true, List.of(), new Usage(0, null), null),
            new Call("c", 1, false, null, null, new Timestamp(2000)));
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("record-rows");
    ROWS.dataset(spark, new JavaSparkContext(spark.sparkContext()).parallelize(calls, 2))
        .write()
        .mode("overwrite")
        .parquet(dir.toString());
    Dataset<Row> read = spark.read().parquet(dir.toString());

    assertThat(ROWS.rows(read).collect()).containsExactlyInAnyOrderElementsOf(calls);
    assertThat(read.filter("usage.input_tokens = 7").count()).isEqualTo(1);
  }

  @Test
  void aRowOfTheWrongTypeFailsAtTheStepsBoundary() {
    Row wrong = org.apache.spark.sql.RowFactory.create("a", null, true, null, null, null);
    assertThatThrownBy(() -> ROWS.fromRow(wrong))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid Call");
  }

  @Test
  void refusesAComponentSparkCannotHold() {
    record Odd(java.util.Map<String, String> tags) {}
    assertThatThrownBy(() -> RecordRows.of(Odd.class))
        .hasMessageContaining("Odd.tags: no Spark type");
  }
}
