package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RetrievalMetrics} against NIST's trec_eval 9.0.4 itself (the Linux binary in the jtreceval
 * artifact from Maven Central), on seeded random runs made to hit its conventions: many tied scores
 * (including scores equal only in single precision), document ids of different case and length,
 * graded, negative and zero judgments, unjudged retrieved documents, judged documents never
 * retrieved, runs shorter than k. trec_eval prints four decimals, so values agree to 5e-5.
 */
class TrecEvalReferenceTest {
  static final int[] KS = {1, 3, 5, 10, 20, 100};
  static Path trecEval;

  @TempDir static Path dir;

  @BeforeAll
  static void extractBinary() throws IOException {
    String arch = System.getProperty("os.arch");
    assumeTrue(
        System.getProperty("os.name").equals("Linux")
            && (arch.equals("amd64") || arch.equals("x86_64")),
        "the bundled trec_eval binary is for Linux x86-64");
    trecEval = dir.resolve("trec_eval");
    try (InputStream in =
        TrecEvalReferenceTest.class.getResourceAsStream("/trec_eval-linux-amd64")) {
      assertThat(in).as("trec_eval binary from jtreceval on the test classpath").isNotNull();
      Files.copy(in, trecEval, StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(trecEval.toFile().setExecutable(true)).isTrue();
  }

  @Test
  void agreesWithTrecEvalPerQueryAndOnAverage() throws Exception {
    Random rnd = new Random(20261127);
    Map<String, List<RetrievalMetrics.Retrieved>> runs = new TreeMap<>();
    Map<String, Map<String, Integer>> qrels = new TreeMap<>();
    int[] grades = {-1, 0, 0, 1, 1, 1, 2, 3};
    for (int q = 1; q <= 80; q++) {
      String query = "q" + q;
      List<String> pool = new ArrayList<>();
      for (int d = 0; d < 60; d++) {
        // ids whose byte order differs from their number order: d7 > d12, D9 < d1, doc-3 > d99
        pool.add(List.of("d", "D", "doc-").get(rnd.nextInt(3)) + rnd.nextInt(200));
      }
      Map<String, Integer> judged = new HashMap<>();
      for (String d : pool.subList(0, 1 + rnd.nextInt(30))) {
        judged.put(d, grades[rnd.nextInt(grades.length)]);
      }
      String relevant = pool.get(rnd.nextInt(pool.size()));
      judged.put(relevant, 1 + rnd.nextInt(3)); // at least one relevant document per query
      qrels.put(query, judged);
      Map<String, Double> scores = new LinkedHashMap<>(); // a document once per query
      for (String d : pool.subList(rnd.nextInt(20), 20 + rnd.nextInt(40))) {
        double s = (rnd.nextInt(9) - 2) * 0.125; // few values: many ties, some negative
        if (rnd.nextInt(6) == 0) {
          s += 1e-10; // the same float: still a tie for trec_eval
        }
        scores.put(d, s);
      }
      List<RetrievalMetrics.Retrieved> run = new ArrayList<>();
      scores.forEach((d, s) -> run.add(new RetrievalMetrics.Retrieved(d, s)));
      runs.put(query, run);
    }

    Map<String, Map<String, Double>> reference = trecEval(qrels, runs);
    Map<String, Double> sums = new HashMap<>();
    for (String query : runs.keySet()) {
      Map<String, Double> ours = RetrievalMetrics.score(runs.get(query), qrels.get(query), KS);
      Map<String, Double> theirs = reference.get(query);
      assertThat(ours.keySet()).containsExactlyInAnyOrderElementsOf(theirs.keySet());
      theirs.forEach(
          (metric, value) ->
              assertThat(ours.get(metric)).as(query + " " + metric).isCloseTo(value, within(5e-5)));
      ours.forEach((metric, value) -> sums.merge(metric, value, Double::sum));
    }
    // the job's headline mean is trec_eval's "all" when every query has a relevant document
    reference
        .get("all")
        .forEach(
            (metric, value) ->
                assertThat(sums.get(metric) / runs.size())
                    .as("all " + metric)
                    .isCloseTo(value, within(5e-5)));
  }

  /**
   * The one deliberate difference: trec_eval scores a query without relevant documents 0 on every
   * measure (and averages it in); the eval job leaves it unscored and counts it as coverage.
   */
  @Test
  void aQueryWithoutRelevantDocumentsIsZeroForTrecEvalAndUnscoredHere() throws Exception {
    var run = List.of(new RetrievalMetrics.Retrieved("a", 1.0));
    Map<String, Integer> judged = Map.of("a", 0, "b", -1);
    Map<String, Map<String, Double>> reference = trecEval(Map.of("q1", judged), Map.of("q1", run));
    assertThat(reference.get("q1").values()).isNotEmpty().allMatch(v -> v == 0);
    assertThat(RetrievalMetrics.score(run, judged, KS)).isEmpty();
  }

  /**
   * Writes the qrels and run files, runs trec_eval -q, and reads query → our metric name → value.
   */
  private static Map<String, Map<String, Double>> trecEval(
      Map<String, Map<String, Integer>> qrels, Map<String, List<RetrievalMetrics.Retrieved>> runs)
      throws IOException, InterruptedException {
    StringBuilder q = new StringBuilder();
    qrels.forEach(
        (query, g) -> g.forEach((d, grade) -> q.append(query + " 0 " + d + " " + grade + "\n")));
    StringBuilder r = new StringBuilder();
    runs.forEach(
        (query, run) -> {
          for (int i = 0; i < run.size(); i++) {
            // the rank column is ignored by trec_eval; give it a misleading one to prove it
            r.append(query + " Q0 " + run.get(i).docId() + " " + (run.size() - i) + " ");
            r.append(run.get(i).score() + " test\n");
          }
        });
    Path qrelsFile = Files.writeString(Files.createTempFile(dir, "qrels", ""), q);
    Path runFile = Files.writeString(Files.createTempFile(dir, "run", ""), r);
    String cuts = String.join(",", java.util.Arrays.stream(KS).mapToObj(String::valueOf).toList());
    Process p =
        new ProcessBuilder(
                trecEval.toString(),
                "-q",
                "-m",
                "P." + cuts,
                "-m",
                "recall." + cuts,
                "-m",
                "success." + cuts,
                "-m",
                "ndcg_cut." + cuts,
                "-m",
                "recip_rank",
                "-m",
                "map",
                qrelsFile.toString(),
                runFile.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    Map<String, Map<String, Double>> values = new HashMap<>();
    for (String line : out.split("\n")) {
      String[] f = line.trim().split("\\s+");
      values
          .computeIfAbsent(f[1], k -> new HashMap<>())
          .put(ourName(f[0]), Double.parseDouble(f[2]));
    }
    return values;
  }

  private static String ourName(String trecEvalName) {
    if (trecEvalName.equals("map")) {
      return "MAP";
    }
    if (trecEvalName.equals("recip_rank")) {
      return "MRR";
    }
    int cut = trecEvalName.lastIndexOf('_');
    String k = trecEvalName.substring(cut + 1);
    return switch (trecEvalName.substring(0, cut)) {
      case "P" -> "P@" + k;
      case "recall" -> "recall@" + k;
      case "success" -> "hit@" + k;
      case "ndcg_cut" -> "nDCG@" + k;
      default -> throw new IllegalArgumentException(trecEvalName);
    };
  }
}
