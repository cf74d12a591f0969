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

  /**
   * The reference tools' options reach the scores: ROUGE-L of "the cat sat" against "the cat sat on
   * the mat" has LCS 3, so precision 3/3, recall 3/6 and F 2·1·0.5/1.5 (worked by hand); chrF with
   * epsilon smoothing and BLEU on characters are the library's scores with those settings.
   */
  @Test
  void theReferenceToolsOptionsChangeTheScores() {
    AnswerMetrics m =
        new AnswerMetrics(
            List.of("rougeL", "bleu", "chrf"),
            new AnswerMetrics.Options(false, List.of("f", "precision", "recall"), "char", true));
    assertThat(m.scoreNames())
        .containsExactly("rougeL", "rougeL_precision", "rougeL_recall", "bleu", "chrf");
    Map<String, AnswerMetrics.Score> s = m.score("the cat sat", List.of("the cat sat on the mat"));
    assertThat(s.get("rougeL_precision").value()).isCloseTo(1.0, within(1e-12));
    assertThat(s.get("rougeL_recall").value()).isCloseTo(0.5, within(1e-12));
    assertThat(s.get("rougeL").value()).isCloseTo(2 * 0.5 / 1.5, within(1e-12));
    String hyp = "ab";
    List<String> ref = List.of("abc");
    double eps =
        new AnswerMetrics(List.of("chrf"), m.options()).score(hyp, ref).get("chrf").value();
    double standard = new AnswerMetrics(List.of("chrf"), false).score(hyp, ref).get("chrf").value();
    assertThat(eps)
        .isCloseTo(new Chrf(6, 2, true, false).sentenceScore(hyp, ref) / 100, within(1e-12));
    assertThat(eps).isNotCloseTo(standard, within(1e-6));
    // on characters, "the cat sat" shares every character 1-gram with the reference
    Bleu chars = new Bleu("char", false, Bleu.Smoothing.EXP, Double.NaN);
    assertThat(s.get("bleu").value())
        .isCloseTo(
            chars.sentenceScore("the cat sat", List.of("the cat sat on the mat")) / 100,
            within(1e-12))
        .isNotCloseTo(
            Bleu.standard().sentenceScore("the cat sat", List.of("the cat sat on the mat")) / 100,
            within(1e-6));
    assertThatThrownBy(() -> new AnswerMetrics.Options(false, List.of("f2"), "13a", false))
        .hasMessageContaining("Unknown ROUGE measure 'f2'");
    assertThatThrownBy(() -> new AnswerMetrics.Options(false, List.of("f"), "spm", false))
        .hasMessageContaining("Unknown BLEU tokenizer 'spm' (known: 13a, intl, zh, char, none)");
  }

  @Test
  void anUnknownMetricIsNamed() {
    assertThatThrownBy(() -> new AnswerMetrics(List.of("f1", "bleurt"), false))
        .hasMessageStartingWith("Unknown answer metric 'bleurt' (known: exact_match, f1");
  }
}
