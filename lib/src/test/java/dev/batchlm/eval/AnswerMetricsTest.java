package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnswerMetricsTest {
  @Test
  void scoresByNameOnTheZeroToOneScale() {
    AnswerMetrics m = new AnswerMetrics(AnswerMetrics.KNOWN, false);
    Map<String, AnswerMetrics.Score> s = m.score("The cat sat.", List.of("a cat sat"));
    // every metric but the embedding one, which the job scores in batches with its embedder
    assertThat(s.keySet())
        .containsExactlyElementsOf(
            AnswerMetrics.KNOWN.stream().filter(k -> !k.equals(EmbeddingSimilarity.NAME)).toList());
    assertThat(s.get("exact_match").value()).isEqualTo(1.0);
    assertThat(s.get("f1").value()).isEqualTo(1.0);
    assertThat(s.get("f1").stats()).isNull();
    // BLEU and chrF arrive divided by 100
    assertThat(s.get("bleu").value())
        .isCloseTo(
            Bleu.standard().sentenceScore("The cat sat.", List.of("a cat sat")) / 100,
            within(1e-12));
    assertThat(s.get("chrf").value())
        .isCloseTo(
            Chrf.standard().sentenceScore("The cat sat.", List.of("a cat sat")) / 100,
            within(1e-12));
    assertThat(s.get("json_valid").value()).isZero();
    assertThat(s.get("contains").value()).isZero(); // "a cat sat" is not in "the cat sat."
    assertThat(value(m, "Answer:  A CAT\nsat here", "a cat sat", "contains"))
        .isEqualTo(1.0); // case and whitespace runs do not matter
    assertThat(value(m, "Answer: A  cat sat here", "a cat sat", "contains")).isEqualTo(1.0);
    assertThat(value(m, "{\"a\": 1}", "x", "json_valid")).isEqualTo(1.0);
    assertThat(value(m, "", "x", "json_valid")).isZero();
    assertThat(value(m, "12 apples", "x", "json_valid")).isZero(); // not one value
  }

  static double value(AnswerMetrics m, String output, String reference, String metric) {
    return m.score(output, List.of(reference)).get(metric).value();
  }

  @Test
  void anUnknownMetricIsNamed() {
    assertThatThrownBy(() -> new AnswerMetrics(List.of("f1", "bleurt"), false))
        .hasMessageStartingWith("Unknown answer metric 'bleurt' (known: exact_match, f1");
  }
}
