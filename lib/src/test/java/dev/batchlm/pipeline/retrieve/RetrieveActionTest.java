package dev.batchlm.pipeline.retrieve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.retrieve.Bm25;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrieveActionTest {
  /**
   * BM25 as the Spark step computes it (postings, document frequencies, a join per query term)
   * against the formula written out by hand for three chunks.
   */
  @Test
  void bm25ScoresMatchTheFormulaByHand(@TempDir Path tmp) {
    SparkSession spark = LocalSpark.session();
    BatchConfig config =
        BatchConfig.load(
            List.of(
                BatchConfig.parsePairs(
                    "test", Map.of("output.root", "\"" + tmp.resolve("out") + "\""))));
    var chunks =
        spark.createDataFrame(
            List.of(
                RowFactory.create("c1", "d1", "Red apple, red!"),
                RowFactory.create("c2", "d1", "green apple"),
                RowFactory.create("c3", "d2", "blue sky")),
            new StructType()
                .add("chunk_id", "string")
                .add("doc_id", "string")
                .add("text", "string"));

    List<Row> ranked =
        RetrieveAction.bm25(
                new JobRun(spark, "retrieve", config),
                chunks,
                Map.of("q1", "red apple"),
                new Bm25(1.2, 0.75),
                10)
            .orderBy("rank")
            .collectAsList();

    // N = 3 chunks of 3, 2 and 2 terms; "red" is in one chunk, "apple" in two
    double avgdl = 7.0 / 3;
    double idfRed = Math.log(1 + (3 - 1 + 0.5) / (1 + 0.5));
    double idfApple = Math.log(1 + (3 - 2 + 0.5) / (2 + 0.5));
    double c1 =
        idfRed * 2 / (2 + 1.2 * (0.25 + 0.75 * 3 / avgdl))
            + idfApple * 1 / (1 + 1.2 * (0.25 + 0.75 * 3 / avgdl));
    double c2 = idfApple * 1 / (1 + 1.2 * (0.25 + 0.75 * 2 / avgdl));
    assertThat(ranked).hasSize(2); // c3 shares no term with the query
    assertThat(ranked.get(0).<String>getAs("chunk_id")).isEqualTo("c1");
    assertThat(ranked.get(0).<Double>getAs("score")).isCloseTo(c1, within(1e-12));
    assertThat(ranked.get(1).<String>getAs("chunk_id")).isEqualTo("c2");
    assertThat(ranked.get(1).<Double>getAs("score")).isCloseTo(c2, within(1e-12));
    assertThat(ranked.get(1).<Integer>getAs("rank")).isEqualTo(2);
  }
}
