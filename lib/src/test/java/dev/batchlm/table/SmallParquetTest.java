package dev.batchlm.table;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.testing.LocalSpark;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows written without Spark read back by Spark's own Parquet reader, value for value. */
class SmallParquetTest {
  static final StructType SCHEMA =
      new StructType()
          .add("s", DataTypes.StringType)
          .add("n", DataTypes.LongType)
          .add("at", DataTypes.TimestampType)
          .add("counts", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType, false))
          .add("names", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false));

  @TempDir Path tmp;

  @Test
  void sparkReadsWhatItWrites() throws Exception {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("call", 131200L);
    counts.put("cache lookup", 2140L);
    Timestamp at = Timestamp.valueOf("2026-11-27 09:01:12.345678");
    Timestamp before1970 = Timestamp.valueOf("1969-12-31 23:59:59.5");
    org.apache.hadoop.fs.Path file =
        new org.apache.hadoop.fs.Path(tmp.resolve("t/part-00000.zstd.parquet").toString());
    List<Row> written =
        List.of(
            RowFactory.create("a", 1L, at, counts, Map.of("spark", "4.0.1")),
            RowFactory.create(null, null, before1970, Map.of(), Map.of()));
    for (int i = 0; i < 2; i++) { // the second write replaces the first in place
      SmallParquet.write(file, SCHEMA, written, new Configuration());
    }
    List<Row> rows =
        LocalSpark.session()
            .read()
            .schema(SCHEMA)
            .parquet(tmp.resolve("t").toString())
            .collectAsList();
    assertThat(rows).hasSize(2);
    Row a = rows.get(0);
    assertThat(a.getString(0)).isEqualTo("a");
    assertThat(a.getLong(1)).isEqualTo(1L);
    assertThat(a.getTimestamp(2)).isEqualTo(at);
    assertThat(a.<String, Long>getJavaMap(3)).isEqualTo(counts);
    assertThat(a.<String, String>getJavaMap(4)).isEqualTo(Map.of("spark", "4.0.1"));
    Row b = rows.get(1);
    assertThat(b.isNullAt(0)).isTrue();
    assertThat(b.isNullAt(1)).isTrue();
    assertThat(b.getTimestamp(2)).isEqualTo(before1970);
    assertThat(b.<String, Long>getJavaMap(3)).isEmpty();
  }
}
