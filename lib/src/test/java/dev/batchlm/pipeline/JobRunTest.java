package dev.batchlm.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.TableSpec;
import dev.batchlm.testing.LocalSpark;
import java.sql.Timestamp;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class JobRunTest {
  /**
   * One column, like the quarantine's first: rows are told apart by what they are, not by width.
   */
  static final TableSpec NAMES =
      new TableSpec("names", new StructType().add("name", DataTypes.StringType), List.of());

  @Test
  void executorOutputSplitsIntoTableRowsAndQuarantineRows() {
    SparkSession spark = LocalSpark.session();
    JobRun run = new JobRun(spark, "test", BatchConfig.defaultsOnly());
    Timestamp now = new Timestamp(0);
    List<JobRun.Output> outputs =
        List.of(
            JobRun.Output.row(RowFactory.create("a")),
            JobRun.Output.quarantined(Quarantine.row("r", "f.md", "corrupt", "bad", now)),
            JobRun.Output.row(RowFactory.create("b")));
    try (JobRun.Produced out =
        run.split(
            JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(outputs, 2),
            NAMES)) {
      assertThat(out.rows().as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
          .containsExactlyInAnyOrder("a", "b");
      assertThat(out.quarantine().select(Quarantine.SOURCE).first().getString(0)).isEqualTo("f.md");
    }
  }
}
