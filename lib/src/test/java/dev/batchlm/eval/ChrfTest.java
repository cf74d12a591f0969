package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** chrF against the values in sacreBLEU's own tests (test_chrf.py), to their 1e-4. */
class ChrfTest {
  static double corpus(Chrf chrf, List<String> hyps, List<String> refs) {
    double[] sum = null;
    for (int i = 0; i < hyps.size(); i++) {
      double[] s = chrf.stats(hyps.get(i), List.of(refs.get(i)));
      if (sum == null) {
        sum = s;
      } else {
        for (int j = 0; j < s.length; j++) {
          sum[j] += s[j];
        }
      }
    }
    return chrf.score(sum);
  }

  @Test
  void epsilonSmoothingBeta3() {
    Chrf c = new Chrf(6, 3, true, false);
    assertThat(corpus(c, List.of("abcdefg"), List.of("hijklmnop"))).isCloseTo(0, within(1e-4));
    assertThat(corpus(c, List.of(""), List.of("reference"))).isCloseTo(0, within(1e-4));
    assertThat(corpus(c, List.of("aa"), List.of("ab"))).isCloseTo(8.3333, within(1e-4));
    assertThat(corpus(c, List.of("a", "b"), List.of("a", "c"))).isCloseTo(8.3333, within(1e-4));
    assertThat(corpus(c, List.of("a"), List.of("a"))).isCloseTo(16.6667, within(1e-4));
    assertThat(corpus(c, List.of("a b c"), List.of("abc"))).isCloseTo(50.0, within(1e-4));
    assertThat(
            corpus(
                c,
                List.of(
                    " risk assessment must be made of those who are qualified and expertise in the"
                        + " sector - these are the scientists ."),
                List.of(
                    "risk assessment has to be undertaken by those who are qualified and expert in"
                        + " that area - that is the scientists .")))
        .isCloseTo(63.361730, within(1e-4));
    assertThat(
            corpus(
                c,
                List.of(
                    " Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "),
                List.of(
                    "Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.")))
        .isCloseTo(64.1302698, within(1e-4));
  }

  @Test
  void effectiveOrderBeta3() {
    Chrf c = new Chrf(6, 3, false, false);
    assertThat(corpus(c, List.of("a"), List.of("a"))).isCloseTo(100, within(1e-4));
    assertThat(corpus(c, List.of(""), List.of("reference"))).isCloseTo(0, within(1e-4));
    assertThat(corpus(c, List.of("a b c"), List.of("abc"))).isCloseTo(100, within(1e-4));
    assertThat(corpus(c, List.of("a", "b"), List.of("a", "c"))).isCloseTo(50, within(1e-4));
    assertThat(corpus(c, List.of("aa"), List.of("ab"))).isCloseTo(25, within(1e-4));
    Chrf keep = new Chrf(6, 3, false, true);
    assertThat(
            corpus(
                keep,
                List.of("Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."),
                List.of(
                    "Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.")))
        .isCloseTo(67.3481606, within(1e-4));
  }

  @Test
  void sentenceLevelWithDefaultsAndEpsilon() {
    Chrf c = new Chrf(6, 2, true, false);
    assertThat(
            c.sentenceScore(
                "Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře.",
                List.of(
                    "Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo"
                        + " zemře.")))
        .isCloseTo(39.14078509, within(1e-4));
    assertThat(
            c.sentenceScore(
                "Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
                List.of(
                    "Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít,"
                        + " připomněli.")))
        .isCloseTo(57.15704367, within(1e-4));
  }
}
