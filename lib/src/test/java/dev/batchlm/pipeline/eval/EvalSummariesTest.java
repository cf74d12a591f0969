package dev.batchlm.pipeline.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.eval.AnswerMetrics;
import dev.batchlm.eval.Summaries;
import dev.batchlm.table.EvalScores;
import dev.batchlm.testing.LocalSpark;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class EvalSummariesTest {
  /**
   * Means per system and slice, and the paired change against a baseline, as the executors'
   * streaming sums compute them, against the arithmetic done by hand.
   */
  @Test
  void meansPerSliceAndPairedChangeEqualTheArithmeticByHand() {
    SparkSession spark = LocalSpark.session();
    Dataset<Row> now =
        spark.createDataFrame(
            List.of(
                EvalScores.row(EvalAction.ANSWER, "m", "q1", "f1", 1.0, null),
                EvalScores.row(EvalAction.ANSWER, "m", "q2", "f1", 0.5, null),
                EvalScores.row(EvalAction.ANSWER, "m", "q3", "f1", 0.0, null)),
            EvalScores.SCHEMA);
    Dataset<Row> before =
        spark.createDataFrame(
            List.of(
                EvalScores.row(EvalAction.ANSWER, "m", "q1", "f1", 0.5, null),
                EvalScores.row(EvalAction.ANSWER, "m", "q2", "f1", 0.5, null)),
            EvalScores.SCHEMA);
    Dataset<Row> slices =
        spark.createDataFrame(
            List.of(RowFactory.create("q1", "billing"), RowFactory.create("q3", "billing")),
            new StructType().add(EvalScores.EXAMPLE_ID, "string").add("slice", "string"));

    Map<String, Summaries.Summary> bySlice =
        EvalSummaries.summarize(
                now, slices, before, 200, 7, new AnswerMetrics(List.of("f1"), false))
            .stream()
            .collect(Collectors.toMap(Summaries.Summary::slice, s -> s));

    Summaries.Summary all = bySlice.get("all");
    assertThat(all.n()).isEqualTo(3);
    assertThat(all.mean()).isCloseTo(0.5, within(1e-12)); // (1 + 0.5 + 0) / 3
    assertThat(all.paired()).isEqualTo(2); // q1 and q2 were scored by both runs
    assertThat(all.delta()).isCloseTo(0.25, within(1e-12)); // ((1 - 0.5) + (0.5 - 0.5)) / 2
    assertThat(all.low()).isLessThanOrEqualTo(all.mean());
    assertThat(all.high()).isGreaterThanOrEqualTo(all.mean());
    Summaries.Summary billing = bySlice.get("billing");
    assertThat(billing.n()).isEqualTo(2);
    assertThat(billing.mean()).isCloseTo(0.5, within(1e-12)); // (1 + 0) / 2
  }
}
