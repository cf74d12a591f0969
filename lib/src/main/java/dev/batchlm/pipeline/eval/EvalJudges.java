package dev.batchlm.pipeline.eval;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.pipeline.infer.InferAction;
import dev.batchlm.pipeline.infer.NestedInfer;
import dev.batchlm.table.EvalScores;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;

/**
 * The eval job's LLM judges: pointwise (a score 1–5 per answer against its reference) and pairwise
 * (two systems' answers in both orders). Each runs the infer job under its own root, so judgments
 * are cached, costed and rate-limited like any call and never replace the answers being judged.
 */
final class EvalJudges {
  static final String JUDGE = EvalAction.JUDGE;
  static final String PAIRWISE = EvalAction.PAIRWISE;
  static final String ANSWER = EvalAction.ANSWER;

  private EvalJudges() {}

  /**
   * The pointwise judge's requests: (question, reference, answer) per answer, id {@code id|system}.
   */
  static InferAction.Result judge(
      JobRun run, BatchConfig config, Dataset<Row> answers, Map<String, Long> coverage) {
    Dataset<Row> requests =
        answers
            .filter(col(Answered.OUTPUT).isNotNull().and(col(Answered.REFS).isNotNull()))
            .select(
                org.apache
                    .spark
                    .sql
                    .functions
                    .concat_ws("|", col(Answered.ID), col(Answered.SYSTEM))
                    .as("request_id"),
                coalesce(col(Answered.QUESTION), lit("")).as("question"),
                concat_ws(" / ", col(Answered.REFS)).as("reference"),
                col(Answered.OUTPUT).as("answer"));
    InferAction.Result r =
        runJudge(run, config, requests, JUDGE, config.get(ConfigKeys.EVAL_JUDGE_PROMPT));
    coverage.put(JUDGE + "_calls", r.calls());
    coverage.put(JUDGE + "_cache_hits", r.cacheHits());
    return r;
  }

  /** The judge's infer run under {@code ROOT/<name>}, with the judge model. */
  private static InferAction.Result runJudge(
      JobRun run, BatchConfig config, Dataset<Row> requests, String name, String prompt) {
    return NestedInfer.run(
        run, config, requests, name, prompt, config.get(ConfigKeys.EVAL_JUDGE_MODEL));
  }

  /**
   * The judged JSON of each request of {@code ROOT/<name>}'s run-date results, by request id;
   * failed, refused (content filter) and invalid judgments are counted under {@code
   * <name>_failed|refused|unparsable} and left out.
   */
  private static Map<String, JsonNode> verdicts(
      JobRun run, String name, Map<String, Long> coverage) {
    Map<String, JsonNode> out = new HashMap<>();
    Map<NestedInfer.Failure, Long> failures = new EnumMap<>(NestedInfer.Failure.class);
    for (NestedInfer.Failure f : NestedInfer.Failure.values()) {
      failures.put(f, 0L);
    }
    NestedInfer.outputs(run, name)
        .forEach(
            (id, o) -> {
              if (o.failure() != null || o.json() == null) {
                failures.merge(
                    o.failure() == null ? NestedInfer.Failure.UNPARSABLE : o.failure(),
                    1L,
                    Long::sum);
              } else {
                out.put(id, o.json());
              }
            });
    failures.forEach((f, n) -> coverage.put(name + "_" + f.name().toLowerCase(Locale.ROOT), n));
    return out;
  }

  /** The pointwise verdicts as scores: {@code score} 1–5 becomes (score − 1) / 4. */
  static Dataset<Row> judgeScores(JobRun run, Map<String, Long> coverage) {
    List<Row> out = new ArrayList<>();
    long outOfRange = 0;
    for (Map.Entry<String, JsonNode> v : verdicts(run, JUDGE, coverage).entrySet()) {
      JsonNode score = v.getValue().path("score");
      if (!score.isInt() || score.asInt() < 1 || score.asInt() > 5) {
        outOfRange++;
        continue;
      }
      String[] idSystem = v.getKey().split("\\|", 2);
      out.add(
          EvalScores.row(ANSWER, idSystem[1], idSystem[0], JUDGE, (score.asInt() - 1) / 4.0, null));
    }
    coverage.merge(JUDGE + "_unparsable", outOfRange, Long::sum);
    return run.spark.createDataFrame(out, EvalScores.SCHEMA);
  }

  /**
   * Pairwise: each example both systems answered is judged twice, the answers swapped, so that a
   * judge's preference for a position cancels out. Both orders for the same system: 1 or 0 for the
   * first system; a tie, or orders that disagree, 0.5 (disagreements are counted). Kind {@code
   * pairwise}, system {@code A vs B}, metric {@code win_rate}.
   */
  static Dataset<Row> pairwise(
      JobRun run,
      BatchConfig config,
      Dataset<Row> answers,
      List<String> systems,
      Map<String, Long> coverage) {
    String a = systems.get(0);
    String b = systems.get(1);
    Dataset<Row> left =
        answers
            .filter(col(Answered.SYSTEM).equalTo(a).and(col(Answered.OUTPUT).isNotNull()))
            .select(
                col(Answered.ID),
                col(Answered.OUTPUT).as("out_a"),
                col(Answered.REFS),
                col(Answered.QUESTION));
    Dataset<Row> right =
        answers
            .filter(col(Answered.SYSTEM).equalTo(b).and(col(Answered.OUTPUT).isNotNull()))
            .select(col(Answered.ID).as("id_b"), col(Answered.OUTPUT).as("out_b"));
    Dataset<Row> both = left.join(right, left.col(Answered.ID).equalTo(right.col("id_b")));
    Column question = coalesce(col(Answered.QUESTION), lit(""));
    Column reference = coalesce(concat_ws(" / ", col(Answered.REFS)), lit(""));
    Dataset<Row> requests =
        both.select(
                concat(col(Answered.ID), lit("|AB")).as("request_id"),
                question.as("question"),
                reference.as("reference"),
                col("out_a").as("answer_a"),
                col("out_b").as("answer_b"))
            .unionByName(
                both.select(
                    concat(col(Answered.ID), lit("|BA")).as("request_id"),
                    question.as("question"),
                    reference.as("reference"),
                    col("out_b").as("answer_a"),
                    col("out_a").as("answer_b")));
    InferAction.Result r =
        runJudge(run, config, requests, PAIRWISE, config.get(ConfigKeys.EVAL_PAIRWISE_PROMPT));
    coverage.put(PAIRWISE + "_calls", r.calls());
    coverage.put("pairwise_expected", both.count());
    Map<String, JsonNode> v = verdicts(run, PAIRWISE, coverage);
    List<Row> out = new ArrayList<>();
    long disagreements = 0;
    for (String id : both.select("id").as(Encoders.STRING()).collectAsList()) {
      String ab = winner(v.get(id + "|AB"), a, b);
      String ba = winner(v.get(id + "|BA"), b, a);
      if (ab == null || ba == null) {
        continue; // one order has no verdict: counted by verdicts(), not scored
      }
      if (!ab.equals(ba)) {
        disagreements++;
      }
      double value = ab.equals(ba) ? (ab.equals(a) ? 1 : ab.equals(b) ? 0 : 0.5) : 0.5;
      out.add(EvalScores.row("pairwise", a + " vs " + b, id, "win_rate", value, null));
    }
    coverage.put(PAIRWISE + "_order_disagreements", disagreements);
    return run.spark.createDataFrame(out, EvalScores.SCHEMA);
  }

  /** The system a verdict prefers, "tie", or null without a usable verdict. */
  private static String winner(JsonNode v, String first, String second) {
    if (v == null) {
      return null;
    }
    return switch (v.path("winner").asText()) {
      case "A" -> first;
      case "B" -> second;
      case "tie" -> "tie";
      default -> null;
    };
  }
}
