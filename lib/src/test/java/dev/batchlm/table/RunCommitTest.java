package dev.batchlm.table;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.testing.LocalSpark;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Staged partitions carry the table's declared nullability, whatever the rows' plan made of it. */
class RunCommitTest {
  @TempDir java.nio.file.Path tmp;

  private final SparkSession spark = LocalSpark.session();

  private static final TableSpec SPEC =
      new TableSpec(
          "t",
          new StructType()
              .add("id", DataTypes.StringType, false)
              .add("note", DataTypes.StringType, true),
          List.of("run_date"));

  /** Rows whose plan made every column nullable (an outer join does). */
  private Dataset<Row> widened(String sql) {
    Dataset<Row> rows = spark.sql(sql);
    assertThat(rows.schema().apply("id").nullable()).isTrue();
    return rows;
  }

  @Test
  void writesRequiredColumnsAsDeclared() throws Exception {
    RunCommit commit = new RunCommit(spark, tmp.toString(), "run-1");
    RunCommit.Staged staged =
        commit.stage(
            SPEC,
            widened(
                "SELECT CAST(id AS STRING) AS id, note FROM VALUES ('a', 'x'), ('b', NULL) AS v(id, note)"
                    + " FULL OUTER JOIN (SELECT 'z' AS k) ON false WHERE id IS NOT NULL"),
            "2026-12-02");

    assertThat(staged.rows()).isEqualTo(2);
    Path file =
        java.util.Arrays.stream(
                staged.staging().getFileSystem(new Configuration()).listStatus(staged.staging()))
            .map(f -> f.getPath())
            .filter(p -> p.getName().endsWith(".parquet"))
            .findFirst()
            .orElseThrow();
    try (ParquetFileReader r =
        ParquetFileReader.open(HadoopInputFile.fromPath(file, new Configuration()))) {
      MessageType schema = r.getFooter().getFileMetaData().getSchema();
      assertThat(schema.getType("id").isRepetition(Type.Repetition.REQUIRED)).isTrue();
      assertThat(schema.getType("note").isRepetition(Type.Repetition.OPTIONAL)).isTrue();
    }
  }

  @Test
  void aNullInARequiredColumnFailsTheWrite() {
    RunCommit commit = new RunCommit(spark, tmp.toString(), "run-2");
    assertThatThrownBy(
            () ->
                commit.stage(
                    SPEC,
                    widened(
                        "SELECT CAST(id AS STRING) AS id, note FROM VALUES ('a', 'x'), (NULL, 'y') AS v(id, note)"),
                    "2026-12-02"))
        .hasStackTraceContaining("null in the required column t.id");
  }
}
