package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GateTest {
  static Summaries.Summary summary(String metric, double mean, long paired, double delta) {
    return new Summaries.Summary(
        "answer",
        "m",
        metric,
        "all",
        10,
        10,
        mean,
        mean - 0.1,
        mean + 0.1,
        paired,
        mean - delta,
        delta,
        delta - 0.05,
        delta + 0.05);
  }

  @Test
  void parsesDropsAndMinimumsAndNamesWhatItDoesNotKnow() {
    List<String> known = List.of("f1", "nDCG@10");
    assertThat(Gate.parse("f1:0.02", known)).isEqualTo(new Gate("f1", 0.02, Double.NaN));
    assertThat(Gate.parse("nDCG@10 >= 0.5", known)).isEqualTo(new Gate("nDCG@10", Double.NaN, 0.5));
    assertThatThrownBy(() -> Gate.parse("f1<0.5", known)).hasMessageContaining("is not a check");
    assertThatThrownBy(() -> Gate.parse("bleu:0.1", known))
        .hasMessageContaining("names metric 'bleu', which this run does not compute (f1, nDCG@10)");
  }

  @Test
  void failsOnADropBeyondTheAllowanceOrAMeanBelowTheMinimum() {
    Gate drop = new Gate("f1", 0.02, Double.NaN);
    assertThat(drop.check(List.of(summary("f1", 0.7, 10, -0.01)))).isEmpty();
    assertThat(drop.check(List.of(summary("f1", 0.7, 10, -0.03))))
        .singleElement()
        .asString()
        .startsWith("f1 (answer, m) dropped by 0.0300 on 10 paired examples");
    assertThat(drop.check(List.of(summary("f1", 0.7, 0, Double.NaN))))
        .singleElement()
        .asString()
        .contains("no example in common with the baseline");
    assertThat(drop.check(List.of(summary("bleu", 0.1, 10, -0.5)))).isEmpty(); // other metric
    Gate min = new Gate("f1", Double.NaN, 0.75);
    assertThat(min.check(List.of(summary("f1", 0.7, 0, Double.NaN))))
        .containsExactly("f1 (answer, m) is 0.7000, below the minimum 0.7500");
  }
}
