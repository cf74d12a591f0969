package dev.batchlm.pipeline.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.batchlm.eval.AnswerMetrics;
import dev.batchlm.eval.Summaries;
import dev.batchlm.table.EvalScores;
import java.io.Serializable;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * The eval job's summaries, computed on the executors: each score, joined to the baseline run's
 * score of the same example, is added to its groups, kind × system × metric × slice (every example
 * is in {@code all}, answers also in each tag of their reference), as streaming bootstrap sums that
 * merge across partitions ({@link Summaries.Group}). No group is ever held whole: executors and the
 * driver hold sums that grow with the resamples, not with the examples, and the driver receives one
 * summary per group.
 */
final class EvalSummaries {
  private static final String SLICE = "slice";
  private static final String BASELINE = "baseline";
  private static final String BASELINE_STATS = "baseline_stats";

  private EvalSummaries() {}

  /**
   * @param scores rows of {@code eval_scores}' schema
   * @param slices (example_id, slice) of the answers' tags; null when there are no answers
   * @param baseline the baseline run's scores; null without one
   */
  static List<Summaries.Summary> summarize(
      Dataset<Row> scores,
      Dataset<Row> slices,
      Dataset<Row> baseline,
      int resamples,
      long seed,
      AnswerMetrics metrics) {
    Dataset<Row> sliced = scores.withColumn(SLICE, lit("all"));
    if (slices != null) {
      sliced =
          sliced.unionByName(
              scores
                  .filter(col(EvalScores.KIND).equalTo(EvalAction.ANSWER))
                  .join(slices, EvalScores.EXAMPLE_ID));
    }
    String[] key = {EvalScores.KIND, EvalScores.SYSTEM, EvalScores.METRIC, EvalScores.EXAMPLE_ID};
    Dataset<Row> paired =
        baseline == null
            ? sliced
                .withColumn(BASELINE, lit(null).cast("double"))
                .withColumn(BASELINE_STATS, lit(null).cast("array<double>"))
            : sliced.join(
                baseline.select(
                    col(EvalScores.KIND),
                    col(EvalScores.SYSTEM),
                    col(EvalScores.METRIC),
                    col(EvalScores.EXAMPLE_ID),
                    col(EvalScores.VALUE).as(BASELINE),
                    col(EvalScores.STATS).as(BASELINE_STATS)),
                key,
                "left");
    Summaries.Group zero = new Summaries.Group(resamples, seed);
    return paired
        .select(
            col(EvalScores.KIND),
            col(EvalScores.SYSTEM),
            col(EvalScores.METRIC),
            col(SLICE),
            col(EvalScores.EXAMPLE_ID),
            col(EvalScores.VALUE),
            col(BASELINE),
            col(EvalScores.STATS),
            col(BASELINE_STATS))
        .javaRDD()
        .mapToPair(
            r ->
                new Tuple2<>(
                    new Key(
                        r.getAs(EvalScores.KIND),
                        r.getAs(EvalScores.SYSTEM),
                        r.getAs(EvalScores.METRIC),
                        r.getAs(SLICE)),
                    r))
        .aggregateByKey(
            zero,
            (g, r) ->
                g.add(
                    r.getAs(EvalScores.EXAMPLE_ID),
                    r.<Double>getAs(EvalScores.VALUE),
                    r.getAs(BASELINE) == null ? Double.NaN : r.<Double>getAs(BASELINE),
                    doubles(r, EvalScores.STATS),
                    doubles(r, BASELINE_STATS)),
            Summaries.Group::merge)
        .flatMap(
            e ->
                Summaries.summarize(
                        e._1.kind(), e._1.system(), e._1.metric(), e._1.slice(), e._2, metrics)
                    .iterator())
        .collect()
        .stream()
        .sorted(
            Comparator.comparing(Summaries.Summary::kind)
                .thenComparing(Summaries.Summary::system)
                .thenComparing(Summaries.Summary::metric)
                .thenComparing(s -> s.slice().equals("all") ? "" : s.slice()))
        .toList();
  }

  /** A group: one metric of one system over one slice. */
  private record Key(String kind, String system, String metric, String slice)
      implements Serializable {}

  private static double[] doubles(Row r, String column) {
    int i = r.fieldIndex(column);
    return r.isNullAt(i)
        ? null
        : r.<Double>getList(i).stream().mapToDouble(Double::doubleValue).toArray();
  }
}
