package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ROUGE against rouge-score's own tests (rouge_scorer_test.py): hand cases, and its ROUGE-1.5.5
 * ground truth on the first two lines of its testdata (random strings, copied here as test
 * vectors), to 5 places.
 */
class RougeTest {
  static final String TARGET_0 =
      "ZfbCUIUuePaiLVUlCaUXxkpu XPeWing tUHfPMuZ',-Xd Y BrUgVJing M-HV.-DgdDaY.rFDJCRing Ht-LM"
          + " EKBDXkME,yz'RBr q'wtion wIojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxer tKM L";
  static final String PREDICTION_0 =
      "rFDJCRtion Ht-LM EKtDXkME,yz'RBr q'wer wrojNbN wL,b .a-'XdQggyFl jB-RPP'iyOIcUxi";
  static final String TARGET_1 =
      "KsJdPByEtAor fE-Qg Dpdbring cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMtion psing sbKao Q"
          + " m qiing LMmer HqqLFXe,XPY,J XsurkMer ,ed nB'wH'bWVHjWFEing tQ.saefZwJtKrTlixYpMMsJing"
          + " UCAPwNHeYVjDing c T BUySKtion gMPfJpwGw p'NvxAoping eu pBwMBKV'I"
          + " DNxqelhu,PHPxDEq,mtion SN";
  static final String PREDICTION_1 =
      "n cw-WeFyu vC MoBL Xdn g wkvcEiGvKtion BDFhrpMer pstion sbKao Q m qier LMmed HqqLFXe,XPY,J"
          + " XsurkMeo ,ed nB'wH'bWVHjWFEer tQ.saefZwJtKrTlixYpMMNJtion UCAPwNHeYVjD";

  static void assertScore(Rouge.Score s, double recall, double precision, double f1) {
    assertThat(s.recall()).as("recall").isCloseTo(recall, within(5e-6));
    assertThat(s.precision()).as("precision").isCloseTo(precision, within(5e-6));
    assertThat(s.f1()).as("f1").isCloseTo(f1, within(5e-6));
  }

  @Test
  void handCases() {
    Rouge r = new Rouge(false);
    assertScore(r.score("rouge1", "testing", "testing one two"), 1 / 3.0, 1, 0.5);
    assertScore(r.score("rouge2", "testing one", "testing one two"), 0.5, 1, 2 / 3.0);
    assertScore(r.score("rougeL", "testing one", "testing one two"), 2 / 3.0, 1, 0.8);
    assertScore(r.score("rougeL", "testing two", "testing one two"), 2 / 3.0, 1, 0.8);
    for (String type : List.of("rouge1", "rouge2", "rougeL", "rougeLsum")) {
      assertScore(r.score(type, "", "testing one two"), 0, 0, 0);
    }
    // union LCS (section 3.2 of the ROUGE paper)
    Rouge.Score lsum = r.score("rougeLsum", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", "w1 w2 w3 w4 w5");
    assertThat(lsum.recall()).isCloseTo(0.8, within(1e-9));
    assertThat(lsum.precision()).isCloseTo(0.4, within(1e-9));
    assertThat(lsum.f1()).isCloseTo(0.5333, within(1e-3));
    assertScore(r.score("rougeLsum", "/", "w1 w2 w3 w4 w5"), 0, 0, 0);
    assertThat(Rouge.lcsIndices(List.of("1", "2", "3", "4", "5"), List.of("2", "5", "3", "4")))
        .containsExactly(1, 2, 3);
    assertThatThrownBy(() -> r.score("rouge0", "a", "a"))
        .hasMessageContaining("ROUGE type 'rouge0' is not known");
  }

  @Test
  void matchesRouge155OnItsTestdata() {
    Rouge r = new Rouge(false);
    assertScore(r.score("rouge1", PREDICTION_0, TARGET_0), 0.40741, 0.68750, 0.51163);
    assertScore(r.score("rouge1", PREDICTION_1, TARGET_1), 0.40476, 0.65385, 0.50000);
    assertScore(r.score("rouge2", PREDICTION_0, TARGET_0), 0.30769, 0.53333, 0.39024);
    assertScore(r.score("rouge2", PREDICTION_1, TARGET_1), 0.29268, 0.48000, 0.36364);
    assertScore(r.score("rougeL", PREDICTION_0, TARGET_0), 0.40741, 0.68750, 0.51163);
    assertScore(r.score("rougeL", PREDICTION_1, TARGET_1), 0.40476, 0.65385, 0.50000);
    Rouge stemmed = new Rouge(true);
    assertScore(stemmed.score("rouge1", PREDICTION_0, TARGET_0), 0.40741, 0.68750, 0.51163);
    assertScore(stemmed.score("rouge1", PREDICTION_1, TARGET_1), 0.42857, 0.69231, 0.52941);
    assertScore(stemmed.score("rouge2", PREDICTION_1, TARGET_1), 0.29268, 0.48000, 0.36364);
  }

  @Test
  void severalReferencesTakeTheBest() {
    Rouge r = new Rouge(false);
    assertThat(r.score("rouge1", "a b", List.of("x y", "a b c")).f1()).isCloseTo(0.8, within(1e-9));
  }
}
