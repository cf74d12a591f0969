package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.table.Chunks;
import dev.batchlm.table.Retrievals;
import dev.batchlm.testing.FakeLlmServer;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Query expansion and multi-step retrieval end to end: the retrieve job over the sample products
 * and handbook, its paraphrases, hypothetical answers and follow-up queries written by a loopback
 * model server; the fused lists checked against reciprocal rank fusion computed here from the
 * written step lists, and a rerun that pays nothing.
 */
class RetrieveExpansionIT {
  static SparkSession spark;
  static final String DATE = "2026-01-01";
  static final List<String> EXPANSIONS = List.of("multi-query", "hyde", "multi-step");

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = LocalSpark.session();
  }

  /** What the model writes: by the first line of the user message, per question. */
  static String reply(String user) {
    if (user.startsWith("Write ")) { // paraphrases
      return user.contains("battery fire")
          ? "{\"queries\": [\"battery thermal runaway\", \"fire hazard of the battery pack\"]}"
          : user.contains("leave")
              ? "{\"queries\": [\"annual vacation days\"]}"
              : "{\"queries\": []}";
    }
    if (user.contains("Searches so far")) { // the next step
      if (user.contains("battery fire") && !user.contains("2. ")) {
        return "{\"next_query\": \"warranty of the Gridbox\"}";
      }
      if (user.contains("sensor firmware")) {
        return "{\"next_query\": \"Sensor firmware release\"}"; // the question again: no step
      }
      return "{\"next_query\": \"\"}";
    }
    return user.contains("battery fire") // a hypothetical answer
        ? "Never charge a damaged Gridbox battery; in case of fire use a class D extinguisher."
        : "Staff get leave days every year and the sensor gets firmware releases.";
  }

  String[] retrieve(Path root, Path queries, FakeLlmServer server, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "retrieve",
                "--output",
                root.toString(),
                "--run-date",
                DATE,
                "--set",
                "retrieve.queries=\"" + queries + "\"",
                "--set",
                "retrieve.methods=[bm25, multi-query, hyde, multi-step]",
                "--set",
                "retrieve.expand-base=bm25",
                "--set",
                "retrieve.expand-model=expander",
                "--set",
                "retrieve.top-k=10",
                "--set",
                "retrieve.fusion-depth=10",
                "--set",
                "retrieve.step-hits=2",
                "--set",
                "infer.prompts-dir=\"" + Path.of("..", "conf", "prompts").toAbsolutePath() + "\"",
                "--set",
                "infer.base-url=\"" + server.baseUrl() + "\"",
                "--set",
                "infer.unpriced=true"));
    args.addAll(List.of(more));
    return args.toArray(String[]::new);
  }

  @Test
  void expansionsFuseTheirStepsByReciprocalRankAndARerunPaysNothing() throws Exception {
    Path in = tmp.resolve("in");
    PipelineIT.copyTree(PipelineIT.CORPUS.resolve("products"), in.resolve("products"));
    PipelineIT.copyTree(PipelineIT.CORPUS.resolve("handbook"), in.resolve("handbook"));
    Path root = tmp.resolve("root");
    Path queries =
        Files.writeString(
            tmp.resolve("q.jsonl"),
            "{\"query_id\": \"q1\", \"text\": \"battery fire safety\"}\n"
                + "{\"query_id\": \"q2\", \"text\": \"how many days of leave\"}\n"
                + "{\"query_id\": \"q3\", \"text\": \"sensor firmware release\"}\n");
    Cli chunked =
        PipelineIT.pipeline(
            in,
            root,
            DATE,
            "--set",
            "retrieve.queries=\"" + queries + "\"",
            "--set",
            "retrieve.methods=[bm25]");
    assertThat(chunked.exitCode).as(chunked.err).isZero();

    try (FakeLlmServer server = new FakeLlmServer().responder(RetrieveExpansionIT::reply)) {
      Cli cli = Cli.run(retrieve(root, queries, server));
      assertThat(cli.exitCode).as(cli.err).isZero();
      // paraphrases and hypothetical answers for 3 questions; step 2 for 3, step 3 for q1 alone
      assertThat(server.paidTotal()).isEqualTo(3 + 3 + 3 + 1);

      Dataset<Row> rows = table(root, Retrievals.SPEC, DATE);
      Map<String, List<String>> stepQueries = new TreeMap<>();
      for (Row r :
          rows.filter("step IS NOT NULL AND rank = 1")
              .orderBy("method", "query_id", "step")
              .collectAsList()) {
        stepQueries
            .computeIfAbsent(r.getAs("method") + " " + r.getAs("query_id"), k -> new ArrayList<>())
            .add(r.getAs("step") + ":" + r.getAs("step_query"));
      }
      assertThat(stepQueries.get("multi-query q1"))
          .containsExactly(
              "1:battery fire safety",
              "2:battery thermal runaway",
              "3:fire hazard of the battery pack");
      assertThat(stepQueries.get("multi-query q3")).containsExactly("1:sensor firmware release");
      assertThat(stepQueries.get("hyde q2")).hasSize(2);
      assertThat(stepQueries.get("multi-step q1"))
          .containsExactly("1:battery fire safety", "2:warranty of the Gridbox");
      assertThat(stepQueries.get("multi-step q2")).containsExactly("1:how many days of leave");
      assertThat(stepQueries.get("multi-step q3")).containsExactly("1:sensor firmware release");

      Map<String, List<String>> lists = lists(rows);
      for (String q : List.of("q1", "q2", "q3")) {
        List<String> bm25 = lists.get("bm25 " + q + " null");
        for (String method : EXPANSIONS) {
          // each method's first step is the question ranked by the base method, BM25
          assertThat(lists.get(method + " " + q + " 1")).as(method + " " + q).isEqualTo(bm25);
          assertFusedByHand(rows, method, q);
        }
      }

      // the second step's prompt saw q1's best two fused chunks, numbered, and its one search
      String stepTwo =
          server.bodies().stream()
              .map(FakeLlmServer::lastUser)
              .filter(u -> u.contains("Searches so far") && u.contains("battery fire"))
              .findFirst()
              .orElseThrow();
      Map<String, String> text = new HashMap<>();
      table(root, Chunks.SPEC, DATE)
          .select("chunk_id", "text")
          .collectAsList()
          .forEach(r -> text.put(r.getString(0), r.getString(1)));
      List<String> best = lists.get("multi-step q1 1");
      assertThat(stepTwo)
          .contains("1. battery fire safety")
          .contains("[1] " + text.get(best.get(0)))
          .contains("[2] " + text.get(best.get(1)))
          .doesNotContain("[3] ");

      // judgments for eval: the document of each question's best BM25 chunk
      Path qrels = tmp.resolve("qrels.txt");
      List<String> judged = new ArrayList<>();
      for (Row r :
          rows.filter("method = 'bm25' AND rank = 1")
              .select("query_id", "doc_id")
              .collectAsList()) {
        judged.add(r.getString(0) + " 0 " + r.getString(1) + " 1");
      }
      Files.write(qrels, judged);

      // a forced rerun computes everything again from the expansions' caches
      Cli again = Cli.run(retrieve(root, queries, server, "--set", "run.force=true"));
      assertThat(again.exitCode).as(again.err).isZero();
      assertThat(server.paidTotal()).isEqualTo(10);
      assertThat(lists(table(root, Retrievals.SPEC, DATE))).isEqualTo(lists);

      // eval scores every method on the same judgments, the steps' rows aside
      Cli eval =
          Cli.run(
              "eval",
              "--output",
              root.toString(),
              "--run-date",
              DATE,
              "--set",
              "eval.judgments=\"" + qrels + "\"",
              "--set",
              "eval.judgments-format=qrels");
      assertThat(eval.exitCode).as(eval.err).isZero();
      Map<String, Long> scored = new TreeMap<>();
      for (Row r :
          spark
              .read()
              .parquet(root.resolve("eval_summary").toString())
              .filter("kind = 'retrieval' AND metric = 'nDCG@10' AND slice = 'all'")
              .collectAsList()) {
        scored.put(r.getAs("system"), r.<Long>getAs("n"));
      }
      assertThat(scored)
          .containsExactlyEntriesOf(
              new TreeMap<>(Map.of("bm25", 3L, "hyde", 3L, "multi-query", 3L, "multi-step", 3L)));
    }
  }

  static Dataset<Row> table(Path root, dev.batchlm.table.TableSpec spec, String date) {
    return spark.read().parquet(root.resolve(spec.name()).resolve("run_date=" + date).toString());
  }

  @Test
  void anExpansionWithoutAModelFailsBeforeSparkStarts() throws Exception {
    Path queries =
        Files.writeString(tmp.resolve("q.jsonl"), "{\"query_id\": \"q1\", \"text\": \"x\"}\n");
    Cli cli =
        Cli.run(
            "retrieve",
            "--output",
            tmp.resolve("root").toString(),
            "--set",
            "retrieve.queries=\"" + queries + "\"",
            "--set",
            "retrieve.methods=[bm25, hyde]");
    assertThat(cli.exitCode).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(cli.err).contains("retrieve.methods has [hyde]: set retrieve.expand-model");
  }

  /** Chunk ids best first per "method query step" ({@code null} for a method's own list). */
  static Map<String, List<String>> lists(Dataset<Row> rows) {
    Map<String, List<String>> out = new TreeMap<>();
    for (Row r : rows.orderBy("method", "query_id", "step", "rank").collectAsList()) {
      out.computeIfAbsent(
              r.getAs("method") + " " + r.getAs("query_id") + " " + r.getAs("step"),
              k -> new ArrayList<>())
          .add(r.getAs("chunk_id"));
    }
    return out;
  }

  /**
   * The method's list for the question is the top 10 of Σ 1/(60 + rank) over its step lists (each
   * complete: fusion depth = top k), ties by chunk id.
   */
  static void assertFusedByHand(Dataset<Row> rows, String method, String query) {
    Map<String, Double> score = new HashMap<>();
    for (Row r :
        rows.filter("method = '" + method + "' AND query_id = '" + query + "' AND step IS NOT NULL")
            .collectAsList()) {
      score.merge(r.getAs("chunk_id"), 1.0 / (60 + r.<Integer>getAs("rank")), Double::sum);
    }
    List<Map.Entry<String, Double>> expected =
        score.entrySet().stream()
            .sorted(
                Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())
                    .thenComparing(Map.Entry.comparingByKey()))
            .limit(10)
            .toList();
    List<Row> fused =
        rows.filter("method = '" + method + "' AND query_id = '" + query + "' AND step IS NULL")
            .orderBy("rank")
            .collectAsList();
    assertThat(fused).as(method + " " + query).hasSize(expected.size());
    for (int i = 0; i < fused.size(); i++) {
      assertThat(fused.get(i).<String>getAs("chunk_id"))
          .as(method + " " + query + " rank " + (i + 1))
          .isEqualTo(expected.get(i).getKey());
      assertThat(fused.get(i).<Double>getAs("score"))
          .isCloseTo(expected.get(i).getValue(), within(1e-12));
    }
  }
}
