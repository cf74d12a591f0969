package dev.batchlm.pipeline.retrieve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.retrieve.Bm25;
import dev.batchlm.retrieve.QueryExpansion;
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
  /** A retrieve run writing under {@code tmp}. */
  static JobRun retrieveRun(SparkSession spark, Path tmp) {
    BatchConfig config =
        BatchConfig.load(
            List.of(
                BatchConfig.parsePairs(
                    "test", Map.of("output.root", "\"" + tmp.resolve("out") + "\""))));
    return new JobRun(spark, "retrieve", config);
  }

  /**
   * BM25 as the Spark step computes it (postings, document frequencies, a join per query term)
   * against the formula written out by hand for three chunks.
   */
  @Test
  void bm25ScoresMatchTheFormulaByHand(@TempDir Path tmp) {
    SparkSession spark = LocalSpark.session();
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
        Bm25Index.of(retrieveRun(spark, tmp), chunks, new Bm25(1.2, 0.75))
            .rank(retrieveRun(spark, tmp), Map.of("q1", "red apple"), 10)
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

  /**
   * The expansion methods' bookkeeping: each query's list is found under its key, numbered as the
   * method's step, and the steps are fused by reciprocal rank (k = 60) as computed here by hand.
   */
  @Test
  void expansionStepsAreFusedByReciprocalRankAsComputedByHand(@TempDir Path tmp) {
    SparkSession spark = LocalSpark.session();
    JobRun run = retrieveRun(spark, tmp);
    QueryExpansion plan = new QueryExpansion();
    plan.add("q1", "multi-query", "red apple");
    plan.add("q1", "multi-query", "crimson apple");
    plan.add("q1", "hyde", "red apple");
    plan.add("q1", "hyde", "An apple that is red.");
    List<String> keys = List.copyOf(plan.takeUnranked().keySet());
    var hits =
        spark.createDataFrame(
            List.of(
                RowFactory.create(keys.get(0), "c1", 0.9, 1),
                RowFactory.create(keys.get(0), "c2", 0.8, 2),
                RowFactory.create(keys.get(0), "c3", 0.7, 3),
                RowFactory.create(keys.get(1), "c3", 0.9, 1),
                RowFactory.create(keys.get(1), "c1", 0.8, 2),
                RowFactory.create(keys.get(1), "c4", 0.7, 3),
                RowFactory.create(keys.get(2), "c3", 0.9, 1),
                RowFactory.create(keys.get(2), "c5", 0.8, 2)),
            new StructType()
                .add("query_id", "string")
                .add("chunk_id", "string")
                .add("score", "double")
                .add("rank", "int"));

    var steps = Expansions.steps(run, plan, hits);
    assertThat(
            steps
                .filter("method = 'multi-query' AND step = 2")
                .orderBy("rank")
                .collectAsList()
                .stream()
                .map(r -> r.getAs("step_query") + ":" + r.getAs("chunk_id"))
                .toList())
        .containsExactly("crimson apple:c3", "crimson apple:c1", "crimson apple:c4");
    assertThat(steps.filter("method = 'hyde'").count()).isEqualTo(5); // question 3, answer 2

    List<Row> multiQuery =
        Expansions.fuse(run, steps, "multi-query", 60, 10).orderBy("rank").collectAsList();
    assertThat(multiQuery.stream().map(r -> r.<String>getAs("chunk_id")).toList())
        .containsExactly("c1", "c3", "c2", "c4");
    assertThat(multiQuery.get(0).<Double>getAs("score"))
        .isCloseTo(1.0 / 61 + 1.0 / 62, within(1e-12));
    assertThat(multiQuery.get(1).<Double>getAs("score"))
        .isCloseTo(1.0 / 63 + 1.0 / 61, within(1e-12));
    assertThat(multiQuery.get(3).<Double>getAs("score")).isCloseTo(1.0 / 63, within(1e-12));

    Map<String, Double> hyde = new java.util.HashMap<>();
    Expansions.fuse(run, steps, "hyde", 60, 2)
        .collectAsList()
        .forEach(r -> hyde.put(r.getAs("chunk_id"), r.getAs("score")));
    // c3: third for the question, first for the answer; c1: first for the question alone
    assertThat(hyde).containsOnlyKeys("c3", "c1");
    assertThat(hyde.get("c3")).isCloseTo(1.0 / 63 + 1.0 / 61, within(1e-12));
  }
}
