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
    Map<String, Double> s = m.score("The cat sat.", List.of("a cat sat"));
    // every metric but the embedding one, which the job scores in batches with its embedder
    assertThat(s.keySet())
        .containsExactlyElementsOf(
            AnswerMetrics.KNOWN.stream().filter(k -> !k.equals(EmbeddingSimilarity.NAME)).toList());
    assertThat(s.get("exact_match")).isEqualTo(1.0);
    assertThat(s.get("f1")).isEqualTo(1.0);
    // BLEU and chrF arrive divided by 100
    assertThat(s.get("bleu"))
        .isCloseTo(
            Bleu.standard().sentenceScore("The cat sat.", List.of("a cat sat")) / 100,
            within(1e-12));
    assertThat(s.get("chrf")).isBetween(0.0, 1.0);
    assertThat(s.get("json_valid")).isZero();
    assertThat(s.get("contains")).isZero(); // "a cat sat" is not in "the cat sat."
    assertThat(m.score("Answer:  A CAT\nsat here", List.of("a cat sat")).get("contains"))
        .isEqualTo(1.0); // case and whitespace runs do not matter
    assertThat(m.score("Answer: A  cat sat here", List.of("a cat sat")).get("contains"))
        .isEqualTo(1.0);
    assertThat(m.score("{\"a\": 1}", List.of("x")).get("json_valid")).isEqualTo(1.0);
    assertThat(m.score("", List.of("x")).get("json_valid")).isZero();
    assertThat(m.score("12 apples", List.of("x")).get("json_valid")).isZero(); // not one value
  }

  @Test
  void anUnknownMetricIsNamed() {
    assertThatThrownBy(() -> new AnswerMetrics(List.of("f1", "bleurt"), false))
        .hasMessageStartingWith("Unknown answer metric 'bleurt' (known: exact_match, f1");
  }

  @Test
  void corpusBleuFromSummedStatisticsIsSacreBleusCorpusBleu() {
    AnswerMetrics m = new AnswerMetrics(List.of("bleu", "chrf"), false);
    double[][] stats = new double[BleuTest.HYPS.size()][];
    for (int i = 0; i < stats.length; i++) {
      stats[i] = m.corpusStats(BleuTest.HYPS.get(i), BleuTest.REFS.get(i)).get("bleu_corpus");
    }
    Bootstrap.Interval ci =
        Bootstrap.corpus(stats, s -> AnswerMetrics.corpusScore("bleu_corpus", s), 100, 3);
    assertThat(ci.estimate()).isCloseTo(0.48530827, within(1e-8)); // test_bleu.py's README case
    assertThat(ci.low()).isLessThanOrEqualTo(ci.high());
  }
}
