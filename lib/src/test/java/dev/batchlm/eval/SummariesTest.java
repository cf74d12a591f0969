package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SummariesTest {
  static final AnswerMetrics STANDARD = new AnswerMetrics(java.util.List.of(), false);

  static Summaries.Group group() {
    return new Summaries.Group(200, 1);
  }

  @Test
  void pairsOnlyTheExamplesBothRunsScored() {
    // a and b scored by both runs; c only now (z, only in the baseline, never reaches a group)
    Summaries.Group g =
        group()
            .add("a", 1.0, 0.5, null, null)
            .add("b", 0.5, 0.5, null, null)
            .add("c", 0.0, Double.NaN, null, null);
    List<Summaries.Summary> all = Summaries.summarize("answer", "m", "f1", "all", g, STANDARD);
    assertThat(all).hasSize(1); // no statistics: no corpus score
    Summaries.Summary s = all.get(0).withExpected(4);
    assertThat(s.n()).isEqualTo(3);
    assertThat(s.expected()).isEqualTo(4);
    assertThat(s.mean()).isCloseTo(0.5, within(1e-12));
    assertThat(s.low()).isBetween(0.0, 0.5);
    assertThat(s.paired()).isEqualTo(2);
    assertThat(s.baselineMean()).isCloseTo(0.5, within(1e-12));
    assertThat(s.delta()).isCloseTo(0.25, within(1e-12)); // (0.5 + 0) / 2
    Summaries.Summary alone =
        Summaries.summarize(
                "answer", "m", "f1", "all", group().add("a", 1, Double.NaN, null, null), STANDARD)
            .get(0);
    assertThat(alone.paired()).isZero();
    assertThat(alone.baselineMean()).isNaN();
    assertThat(alone.delta()).isNaN();
  }

  /**
   * bleu groups also give bleu_corpus: sacreBLEU's corpus BLEU of each run over the paired
   * examples, and their difference (computed here by summing the statistics independently).
   */
  @Test
  void bleuAlsoGivesTheCorpusScoreAndItsPairedDifference() {
    AnswerMetrics m = new AnswerMetrics(List.of("bleu"), false);
    Summaries.Group g = group();
    double[] now = new double[Bleu.Stats.zero().toArray().length];
    double[] before = new double[now.length];
    for (int i = 0; i < BleuTest.HYPS.size(); i++) {
      AnswerMetrics.Score a = m.score(BleuTest.HYPS.get(i), BleuTest.REFS.get(i)).get("bleu");
      AnswerMetrics.Score b = m.score("the cat", BleuTest.REFS.get(i)).get("bleu");
      g.add("e" + i, a.value(), b.value(), a.stats(), b.stats());
      for (int j = 0; j < now.length; j++) {
        now[j] += a.stats()[j];
        before[j] += b.stats()[j];
      }
    }
    List<Summaries.Summary> s = Summaries.summarize("answer", "m", "bleu", "all", g, STANDARD);
    assertThat(s).extracting(Summaries.Summary::metric).containsExactly("bleu", "bleu_corpus");
    Summaries.Summary corpus = s.get(1);
    assertThat(corpus.mean()).isCloseTo(0.48530827, within(1e-8)); // test_bleu.py's README case
    assertThat(corpus.paired()).isEqualTo(BleuTest.HYPS.size());
    double base = Bleu.standard().corpusScore(Bleu.Stats.of(before)) / 100;
    assertThat(corpus.baselineMean()).isCloseTo(base, within(1e-12));
    assertThat(corpus.delta())
        .isCloseTo(Bleu.standard().corpusScore(Bleu.Stats.of(now)) / 100 - base, within(1e-12));
    assertThat(corpus.deltaLow()).isLessThanOrEqualTo(corpus.deltaHigh());
  }
}
