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
}
