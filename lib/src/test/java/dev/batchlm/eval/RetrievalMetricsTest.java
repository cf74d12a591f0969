package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** trec_eval semantics on a query worked by hand. */
class RetrievalMetricsTest {
  static final List<RetrievalMetrics.Retrieved> RUN =
      List.of(
          new RetrievalMetrics.Retrieved("d3", 0.9),
          new RetrievalMetrics.Retrieved("d1", 0.8),
          new RetrievalMetrics.Retrieved("d4", 0.8),
          new RetrievalMetrics.Retrieved("d2", 0.5));
  static final Map<String, Integer> GRADES = Map.of("d1", 2, "d2", 1, "d3", 0, "d5", 1);

  @Test
  void tiesGoToTheLargerDocumentId() {
    assertThat(RetrievalMetrics.ranking(RUN)).containsExactly("d3", "d4", "d1", "d2");
  }

  @Test
  void metricsOfAQueryWorkedByHand() {
    Map<String, Double> m = RetrievalMetrics.score(RUN, GRADES, 1, 3, 5);
    // ranking d3 (0), d4 (unjudged), d1 (2), d2 (1); relevant: d1, d2, d5
    assertThat(m.get("P@1")).isZero();
    assertThat(m.get("P@3")).isCloseTo(1 / 3.0, within(1e-12));
    assertThat(m.get("P@5")).isCloseTo(2 / 5.0, within(1e-12)); // divided by k, not by 4
    assertThat(m.get("recall@3")).isCloseTo(1 / 3.0, within(1e-12));
    assertThat(m.get("recall@5")).isCloseTo(2 / 3.0, within(1e-12));
    assertThat(m.get("hit@1")).isZero();
    assertThat(m.get("hit@3")).isEqualTo(1.0);
    assertThat(m.get("MRR")).isCloseTo(1 / 3.0, within(1e-12));
    assertThat(m.get("MAP")).isCloseTo((1 / 3.0 + 2 / 4.0) / 3, within(1e-12));
    // DCG@3 = 2/log2(4) = 1; ideal gains 2, 1, 1: 2 + 1/log2(3) + 1/2
    double idcg = 2 + 1 / (Math.log(3) / Math.log(2)) + 0.5;
    assertThat(m.get("nDCG@3")).isCloseTo(1 / idcg, within(1e-12));
    assertThat(m.get("nDCG@5"))
        .isCloseTo((1 + 1 / (Math.log(5) / Math.log(2))) / idcg, within(1e-12));
  }

  @Test
  void aQueryWithoutRelevantJudgmentsHasNoScores() {
    assertThat(RetrievalMetrics.score(RUN, Map.of("d3", 0), 10)).isEmpty();
  }

  /**
   * 200 seeded random queries (5–30 documents, all judged with grades 0–3, distinct scores) scored
   * by scikit-learn 1.9.1 (ndcg_score) and torchmetrics 1.9.0 (precision, recall, hit rate, MRR,
   * MAP) in tools/device/retrieval_reference.py: with every judged document retrieved and no ties,
   * their conventions and trec_eval's coincide.
   */
  @Test
  void matchesScikitLearnAndTorchmetricsOnRandomRuns() throws Exception {
    com.fasterxml.jackson.databind.JsonNode ref =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(getClass().getResourceAsStream("/eval/retrieval-reference.json"));
    int checked = 0;
    for (com.fasterxml.jackson.databind.JsonNode q : ref.path("queries")) {
      List<RetrievalMetrics.Retrieved> run = new java.util.ArrayList<>();
      Map<String, Integer> grades = new java.util.HashMap<>();
      for (int i = 0; i < q.path("docs").size(); i++) {
        String doc = q.path("docs").get(i).asText();
        run.add(new RetrievalMetrics.Retrieved(doc, q.path("scores").get(i).asDouble()));
        grades.put(doc, q.path("grades").get(i).asInt());
      }
      Map<String, Double> ours = RetrievalMetrics.score(run, grades, 1, 3, 5, 10);
      var expected = q.path("metrics").fields();
      while (expected.hasNext()) {
        var e = expected.next();
        assertThat(ours.get(e.getKey()))
            .as("%s %s", q.path("id").asText(), e.getKey())
            .isCloseTo(e.getValue().asDouble(), within(1e-6));
        checked++;
      }
    }
    assertThat(checked).isEqualTo(200 * 18);
  }
}
