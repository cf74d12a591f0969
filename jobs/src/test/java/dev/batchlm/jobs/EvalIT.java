package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.eval.Chrf;
import dev.batchlm.table.EvalScores;
import dev.batchlm.table.EvalSummary;
import dev.batchlm.table.Retrievals;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The eval job on answers, references, retrievals and qrels written here, values worked by hand.
 */
class EvalIT {
  static SparkSession spark;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = LocalSpark.session();
  }

  Path write(String name, String... lines) throws Exception {
    return Files.writeString(tmp.resolve(name), String.join("\n", lines) + "\n");
  }

  Path references() throws Exception {
    return write(
        "refs.jsonl",
        "{\"id\": \"a1\", \"answer\": [\"a cat sat\"], \"tags\": \"easy\"}",
        "{\"id\": \"a2\", \"answer\": [\"blue dog\", \"a red dog barks\"], \"tags\": \"hard\"}",
        "{\"id\": \"a3\", \"answer\": [\"z\"]}",
        "{\"id\": \"a5\", \"answer\": [\"w\"]}");
  }

  Cli eval(Path root, Path answers, String... more) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "eval",
                "--output",
                root.toString(),
                "--run-date",
                "2026-11-27",
                "--set",
                "eval.answers=\"" + answers + "\"",
                "--set",
                "eval.references=\"" + references() + "\"",
                "--set",
                "eval.metrics=[exact_match, f1]"));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(new String[0]));
  }

  Map<String, Row> summary(Path root, String runId) {
    return spark
        .read()
        .parquet(root.resolve("eval_summary").toString())
        .filter(org.apache.spark.sql.functions.col("run_id").equalTo(runId))
        .collectAsList()
        .stream()
        .collect(
            Collectors.toMap(
                r -> r.getAs("kind") + " " + r.getAs("metric") + " " + r.getAs("slice"),
                r -> r,
                (first, second) -> first));
  }

  static String onlyRunId(Path root) throws Exception {
    try (var dirs = Files.list(root.resolve("eval_summary/run_date=2026-11-27"))) {
      List<String> ids =
          dirs.map(p -> p.getFileName().toString())
              .filter(n -> n.startsWith("run_id="))
              .map(n -> n.substring(7))
              .sorted()
              .toList();
      return ids.get(ids.size() - 1);
    }
  }

  @Test
  void scoresAnswersAndRetrievalsAndCountsWhatIsMissing() throws Exception {
    Path root = tmp.resolve("out");
    Path answers =
        write(
            "answers.jsonl",
            "{\"request_id\": \"a1\", \"model\": \"m\", \"output_text\": \"The cat sat.\","
                + " \"latency_ms\": NaN}",
            "{\"request_id\": \"a2\", \"model\": \"m\", \"output_text\": \"red dog\","
                + " \"latency_ms\": 100}",
            "{\"request_id\": \"a3\", \"model\": \"m\", \"output_text\": null,"
                + " \"latency_ms\": 200}",
            "{\"request_id\": \"a4\", \"model\": \"m\", \"output_text\": \"x\","
                + " \"latency_ms\": 300}");
    // retrievals of the run date: q1's chunks from d2 (0.9) and d1 (0.5, 0.7); q2 finds d9; q4 is
    // not judged; q3 is judged but was not retrieved
    spark
        .createDataFrame(
            List.of(
                RowFactory.create("r", "q1", "bm25", 1, "c1", "d2", 0.9, null, null),
                RowFactory.create("r", "q1", "bm25", 2, "c3", "d1", 0.7, null, null),
                RowFactory.create("r", "q1", "bm25", 3, "c2", "d1", 0.5, null, null),
                RowFactory.create("r", "q2", "bm25", 1, "c4", "d9", 0.3, null, null),
                RowFactory.create("r", "q4", "bm25", 1, "c5", "d5", 0.3, null, null)),
            Retrievals.SCHEMA)
        .write()
        .parquet(root.resolve("retrievals/run_date=2026-11-27").toString());
    Path qrels = write("qrels.txt", "q1 0 d1 1", "q1 0 d2 0", "q2 0 d9 2", "q3 0 d7 1");

    Cli run =
        eval(
            root,
            answers,
            "--set",
            "eval.judgments=\"" + qrels + "\"",
            "--set",
            "eval.judgments-format=qrels",
            "--set",
            "eval.k=[1, 2]",
            "--set",
            "eval.metrics=[exact_match, f1, bleu, embedding_similarity]",
            "--set",
            "embed.model=\""
                + Path.of("..", "samples", "models", "demo-encoder").toAbsolutePath()
                + "\"");
    assertThat(run.exitCode).as(run.err).isZero();
    String id = onlyRunId(root);
    Map<String, Row> s = summary(root, id);
    // a1: "the cat sat" = "a cat sat" normalized; a2: best of "blue dog" (F1 0.5) and "a red dog
    // barks" (P 1, R 2/3: F1 0.8); a3 has no output, a4 no reference, a5 no answer
    Row em = s.get("answer exact_match all");
    assertThat(em.<Long>getAs(EvalSummary.N)).isEqualTo(2);
    assertThat(em.<Long>getAs(EvalSummary.EXPECTED)).isEqualTo(5);
    assertThat(em.<Double>getAs(EvalSummary.MEAN)).isCloseTo(0.5, within(1e-12));
    assertThat(s.get("answer f1 all").<Double>getAs(EvalSummary.MEAN))
        .isCloseTo(0.9, within(1e-12));
    assertThat(s.get("answer f1 easy").<Double>getAs(EvalSummary.MEAN)).isEqualTo(1.0);
    assertThat(s.get("answer f1 hard").<Double>getAs(EvalSummary.MEAN))
        .isCloseTo(0.8, within(1e-12));
    Row ci = s.get("answer f1 all");
    assertThat(ci.<Double>getAs(EvalSummary.CI_LOW)).isBetween(0.8, 0.9);
    assertThat(ci.<Double>getAs(EvalSummary.CI_HIGH)).isBetween(0.9, 1.0);
    // doc level: q1 ranks d2 (not relevant), then d1; q2 ranks d9 first
    Row mrr = s.get("retrieval MRR all");
    assertThat(mrr.<Double>getAs(EvalSummary.MEAN)).isCloseTo((0.5 + 1) / 2, within(1e-12));
    assertThat(mrr.<Long>getAs(EvalSummary.N)).isEqualTo(2);
    assertThat(mrr.<Long>getAs(EvalSummary.EXPECTED)).isEqualTo(3);
    assertThat(s.get("retrieval P@1 all").<Double>getAs(EvalSummary.MEAN))
        .isCloseTo(0.5, within(1e-12));
    assertThat(s.get("retrieval recall@2 all").<Double>getAs(EvalSummary.MEAN)).isEqualTo(1.0);
    List<Row> scores = spark.read().parquet(root.resolve("eval_scores").toString()).collectAsList();
    assertThat(scores)
        .filteredOn(
            r ->
                r.getAs(EvalScores.EXAMPLE_ID).equals("a2")
                    && r.getAs(EvalScores.METRIC).equals("f1"))
        .singleElement()
        .satisfies(
            r -> assertThat(r.<Double>getAs(EvalScores.VALUE)).isCloseTo(0.8, within(1e-12)));
    assertThat(scores)
        .filteredOn(r -> !r.getAs(EvalScores.KIND).equals("usage")) // latency is per answer
        .noneMatch(
            r ->
                List.of("a3", "a4", "a5", "q3", "q4")
                    .contains(r.<String>getAs(EvalScores.EXAMPLE_ID)));
    Path report = root.resolve("eval_report/run_date=2026-11-27/" + id + ".html");
    String html = Files.readString(report);
    assertThat(html).contains("<svg").contains("answer_without_output").contains("Worst answers");
    Row corpus = s.get("answer bleu_corpus all");
    assertThat(corpus.<Long>getAs(EvalSummary.N)).isEqualTo(2);
    assertThat(corpus.<Double>getAs(EvalSummary.MEAN)).isBetween(0.0, 1.0);
    Row sim = s.get("answer embedding_similarity all");
    assertThat(sim.<Long>getAs(EvalSummary.N)).isEqualTo(2);
    assertThat(sim.<Double>getAs(EvalSummary.MEAN)).isBetween(-1.0, 1.0);
    // usage from the answers table: a NaN latency is counted as missing, not averaged
    Row latency = s.get("usage latency_ms all");
    assertThat(latency.<Long>getAs(EvalSummary.N)).isEqualTo(3);
    assertThat(latency.<Long>getAs(EvalSummary.EXPECTED)).isEqualTo(4); // the four answers
    assertThat(latency.<Double>getAs(EvalSummary.MEAN)).isCloseTo(200, within(1e-9));
    assertThat(html).contains("usage_latency_ms_missing");
    assertThat(root.resolve("eval_report/run_date=2026-11-27"))
        .isDirectoryNotContaining("glob:**.crc");
  }

  @Test
  void aRegressionAgainstTheBaselineFailsTheGateAfterWritingEverything() throws Exception {
    Path root = tmp.resolve("out");
    Path good =
        write(
            "good.jsonl",
            "{\"request_id\": \"a1\", \"output_text\": \"the cat sat\"}",
            "{\"request_id\": \"a2\", \"output_text\": \"red dog\"}");
    assertThat(eval(root, good, "--set", GATED_METRICS).exitCode).isZero();
    String baseline = onlyRunId(root);
    // a1 now wrong; a5 answered for the first time (not in the baseline: not paired)
    Path worse =
        write(
            "worse.jsonl",
            "{\"request_id\": \"a1\", \"output_text\": \"dog\"}",
            "{\"request_id\": \"a2\", \"output_text\": \"red dog\"}",
            "{\"request_id\": \"a5\", \"output_text\": \"w\"}");
    Cli gated = evalAgainst(root, worse, baseline, "f1:0.05");
    assertThat(gated.exitCode).as(gated.err).isEqualTo(EvalJob.GATE_FAILED);
    String id = onlyRunId(root);
    assertThat(id).isNotEqualTo(baseline);
    Row f1 = summary(root, id).get("answer f1 all");
    assertThat(f1.<String>getAs(EvalSummary.BASELINE_RUN_ID)).isEqualTo(baseline);
    assertThat(f1.<Long>getAs(EvalSummary.PAIRED)).isEqualTo(2);
    assertThat(f1.<Double>getAs(EvalSummary.BASELINE_MEAN)).isCloseTo(0.9, within(1e-12));
    assertThat(f1.<Double>getAs(EvalSummary.DELTA)).isCloseTo(-0.5, within(1e-12));
    // corpus chrF of each run over a1 and a2, from the statistics summed here
    List<String> a1 = List.of("a cat sat");
    List<String> a2 = List.of("blue dog", "a red dog barks");
    double before = corpusChrf(List.of("the cat sat", "red dog"), List.of(a1, a2));
    double after = corpusChrf(List.of("dog", "red dog"), List.of(a1, a2));
    Row chrf = summary(root, id).get("answer chrf_corpus all");
    assertThat(chrf.<Long>getAs(EvalSummary.PAIRED)).isEqualTo(2);
    assertThat(chrf.<Double>getAs(EvalSummary.BASELINE_MEAN)).isCloseTo(before, within(1e-12));
    assertThat(chrf.<Double>getAs(EvalSummary.DELTA)).isCloseTo(after - before, within(1e-12));
    assertThat(after - before).isNegative();
    assertThat(summary(root, id).get("answer bleu_corpus all").<Long>getAs(EvalSummary.PAIRED))
        .isEqualTo(2);
    // the same check against a looser limit passes
    Cli loose = evalAgainst(root, worse, baseline, "f1:0.6");
    assertThat(loose.exitCode).as(loose.err).isZero();
  }

  static final String GATED_METRICS = "eval.metrics=[f1, bleu, chrf]";

  Cli evalAgainst(Path root, Path answers, String baseline, String gate) throws Exception {
    return eval(
        root,
        answers,
        "--set",
        GATED_METRICS,
        "--set",
        "eval.baseline=" + baseline,
        "--set",
        "eval.gate=[\"" + gate + "\"]");
  }

  /** sacreBLEU's corpus chrF: the sentences' statistics summed, then scored (0–1). */
  static double corpusChrf(List<String> outputs, List<List<String>> references) {
    double[] sum = null;
    for (int i = 0; i < outputs.size(); i++) {
      double[] s = Chrf.standard().stats(outputs.get(i), references.get(i));
      sum = sum == null ? new double[s.length] : sum;
      for (int j = 0; j < s.length; j++) {
        sum[j] += s[j];
      }
    }
    return Chrf.standard().score(sum) / 100;
  }

  @Test
  void badConfigurationStopsBeforeAnyWork() throws Exception {
    Path root = tmp.resolve("out");
    Path answers = write("a.jsonl", "{\"request_id\": \"a1\", \"output_text\": \"x\"}");
    Cli unknown = eval(root, answers, "--set", "eval.metrics=[f1, bleurt]");
    assertThat(unknown.exitCode).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(unknown.err).contains("Unknown answer metric 'bleurt'").contains("exact_match, f1");
    Cli gate = eval(root, answers, "--set", "eval.gate=[\"nDCG@10>=0.5\"]");
    assertThat(gate.err).contains("names metric 'nDCG@10', which this run does not compute");
    Cli noBaseline = eval(root, answers, "--set", "eval.gate=[\"f1:0.1\"]");
    assertThat(noBaseline.err).contains("eval.baseline is not set");
    Cli badColumn = eval(root, answers, "--set", "eval.output-column=answer");
    assertThat(badColumn.err)
        .contains("has no column 'answer'")
        .contains("output_text, request_id");
    assertThat(root.resolve("eval_scores")).doesNotExist();
  }

  /** Settings for a judge served by {@code server}, with one eval key more. */
  static String[] judgedBy(dev.batchlm.testing.FakeLlmServer server, String evalSetting) {
    return new String[] {
      "--set",
      evalSetting,
      "--set",
      "eval.judge-model=judge-model",
      "--set",
      "infer.prompts-dir=\"" + Path.of("..", "conf", "prompts").toAbsolutePath() + "\"",
      "--set",
      "infer.base-url=\"" + server.baseUrl() + "\"",
      "--set",
      "infer.unpriced=true"
    };
  }

  @Test
  void anLlmJudgeScoresThroughTheProviderLayerAndCountsWhatItCannotParse() throws Exception {
    try (dev.batchlm.testing.FakeLlmServer server = new dev.batchlm.testing.FakeLlmServer()) {
      server.responder(
          user ->
              user.contains("Answer to grade: The cat sat.")
                  ? "{\"score\": 5, \"reason\": \"the same fact\"}"
                  : "I would rather not grade this."); // invalid, and again after the repair
      Path root = tmp.resolve("out");
      Path answers =
          write(
              "answers.jsonl",
              "{\"request_id\": \"a1\", \"output_text\": \"The cat sat.\"}",
              "{\"request_id\": \"a2\", \"output_text\": \"red dog\"}");
      String[] judge = judgedBy(server, "eval.judge-prompt=judge-correctness");
      Cli run = eval(root, answers, judge);
      assertThat(run.exitCode).as(run.err).isZero();
      Row j = summary(root, onlyRunId(root)).get("answer judge all");
      assertThat(j.<Long>getAs(EvalSummary.N)).isEqualTo(1); // a2's verdict is not a score
      assertThat(j.<Double>getAs(EvalSummary.MEAN)).isEqualTo(1.0); // score 5 of 1..5
      long paid = server.paidTotal();
      assertThat(paid).isEqualTo(3); // a1, a2 and a2's repair
      // the judgments live under ROOT/judge and never replace the answers; a rerun pays nothing
      assertThat(root.resolve("judge/inference_results/run_date=2026-11-27")).isDirectory();
      Path report = root.resolve("eval_report/run_date=2026-11-27/" + onlyRunId(root) + ".html");
      assertThat(Files.readString(report)).contains("judge_unparsable</td><td>1<");
      assertThat(eval(root, answers, judge).exitCode).isZero();
      assertThat(server.paidTotal()).isEqualTo(paid);
    }
  }

  @Test
  void pairwiseJudgingRunsBothOrdersSoAPositionBiasCancels() throws Exception {
    try (dev.batchlm.testing.FakeLlmServer server = new dev.batchlm.testing.FakeLlmServer()) {
      // prefers the answer that mentions a cat; with no cat in either, always says "A"
      server.responder(
          user -> {
            String a = user.substring(user.indexOf("Answer A: "), user.indexOf("Answer B: "));
            String b = user.substring(user.indexOf("Answer B: "));
            String w = a.contains("cat") ? "A" : b.contains("cat") ? "B" : "A";
            return "{\"winner\": \"" + w + "\", \"reason\": \"r\"}";
          });
      Path root = tmp.resolve("out");
      Path answers =
          write(
              "two-systems.jsonl",
              "{\"request_id\": \"a1\", \"model\": \"m1\", \"output_text\": \"The cat sat.\"}",
              "{\"request_id\": \"a1\", \"model\": \"m2\", \"output_text\": \"A dog.\"}",
              "{\"request_id\": \"a2\", \"model\": \"m1\", \"output_text\": \"red dog\"}",
              "{\"request_id\": \"a2\", \"model\": \"m2\", \"output_text\": \"blue dog\"}");
      Cli run = eval(root, answers, judgedBy(server, "eval.pairwise=[m1, m2]"));
      assertThat(run.exitCode).as(run.err).isZero();
      assertThat(server.paidTotal()).isEqualTo(4); // two examples, two orders each
      Row w = summary(root, onlyRunId(root)).get("pairwise win_rate all");
      // a1: m1 wins in both orders (1); a2: "A" both times, so the orders disagree (0.5)
      assertThat(w.<String>getAs(EvalSummary.SYSTEM)).isEqualTo("m1 vs m2");
      assertThat(w.<Double>getAs(EvalSummary.MEAN)).isCloseTo(0.75, within(1e-12));
      // each system answered a1 and a2; references a3 and a5 went unanswered by both
      assertThat(
              summary(root, onlyRunId(root)).get("answer f1 all").<Long>getAs(EvalSummary.EXPECTED))
          .isEqualTo(4);
      Path report = root.resolve("eval_report/run_date=2026-11-27/" + onlyRunId(root) + ".html");
      assertThat(Files.readString(report))
          .contains("judge-pairwise_order_disagreements</td><td>1<");
    }
  }
}
