package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * BLEU against the values in sacreBLEU's own tests (test_bleu.py, test_sentence_bleu.py, as of its
 * January 2026 main branch).
 */
class BleuTest {
  // sacreBLEU's README example (test_bleu.py): three hypotheses, two reference streams
  static final List<String> HYPS =
      List.of("The dog bit the man.", "It wasn't surprising.", "The man had just bitten him.");
  static final List<List<String>> REFS =
      List.of(
          List.of("The dog bit the man.", "The dog had bit the man."),
          List.of("It was not unexpected.", "No one was surprised."),
          List.of("The man bit him first.", "The man had bitten the dog."));

  static double corpus(Bleu bleu, List<String> hyps) {
    Bleu.Stats s = Bleu.Stats.zero();
    for (int i = 0; i < hyps.size(); i++) {
      s = s.plus(bleu.stats(hyps.get(i), REFS.get(i)));
    }
    return bleu.corpusScore(s);
  }

  @Test
  void corpusBleuMatchesSacreBleu() {
    assertThat(corpus(Bleu.standard(), HYPS)).isCloseTo(48.530827, within(1e-6));
    assertThat(corpus(new Bleu("13a", false, Bleu.Smoothing.NONE, Double.NaN), HYPS))
        .isCloseTo(48.530827, within(1e-6));
    assertThat(corpus(new Bleu("none", false, Bleu.Smoothing.EXP, Double.NaN), HYPS))
        .isCloseTo(49.1919566, within(1e-6));
    // empty hypotheses are kept, and score 0
    assertThat(corpus(Bleu.standard(), List.of("", "", ""))).isZero();
  }

  // sacreBLEU issue #98's example (test_sentence_bleu.py), effective order, to 1e-3
  static final String REF = "producţia de zahăr brut se exprimă în zahăr alb;";
  static final String SYS =
      "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";

  @ParameterizedTest
  @CsvSource({
    "EXP, NaN, 13a, false, 8.493",
    "NONE, NaN, 13a, false, 0.0",
    "FLOOR, NaN, 13a, false, 4.51688",
    "FLOOR, 0.1, 13a, false, 4.51688",
    "FLOOR, 0.5, 13a, false, 10.10",
    "ADD_K, NaN, 13a, false, 14.882",
    "ADD_K, 1, 13a, false, 14.882",
    "ADD_K, 2, 13a, false, 21.389",
    "EXP, NaN, none, false, 7.347"
  })
  void sentenceBleuMatchesSacreBleu(
      Bleu.Smoothing smoothing, double value, String tokenizer, boolean lower, double expected) {
    assertThat(new Bleu(tokenizer, lower, smoothing, value).sentenceScore(SYS, List.of(REF)))
        .isCloseTo(expected, within(1e-3));
    // issue #141: no matching unigram is 0 whatever the smoothing
    assertThat(
            new Bleu(tokenizer, lower, smoothing, value)
                .sentenceScore("this is a cat", List.of("okay thanks")))
        .isZero();
  }

  @Test
  void statisticsAndEffectiveOrderMatchSacreBleu() {
    Bleu raw = new Bleu("none", false, Bleu.Smoothing.FLOOR, 0.01);
    Bleu.Stats s =
        raw.stats("am I am a character sequence", List.of("I am a symbol string sequence a a"));
    assertThat(s.matches()).containsExactly(4, 2, 1, 0);
    assertThat(s.totals()).containsExactly(6, 5, 4, 3);
    // raw_corpus_bleu (floor 0.01, effective order): test_case_effective_order
    assertThat(raw.score(raw.stats("test", List.of("a test")), true) / 100)
        .isCloseTo(0.3678794411714425, within(1e-8));
    assertThat(raw.score(raw.stats("a test", List.of("a test")), true) / 100)
        .isCloseTo(1.0, within(1e-8));
    assertThat(raw.score(raw.stats("a little test", List.of("a test")), true) / 100)
        .isCloseTo(0.03218297948685433, within(1e-8));
    // test_scoring: statistics straight in, sys and ref length 11
    Bleu.Stats given = new Bleu.Stats(new long[] {9, 7, 5, 3}, new long[] {10, 8, 6, 4}, 11, 11);
    assertThat(Bleu.standard().corpusScore(given) / 100).isCloseTo(0.8375922397, within(1e-8));
    // test_raw_bleu: no match at any order is 0 whatever the smoothing (sacreBLEU #141; before
    // the fix this case read 0.0038)
    Bleu.Stats two =
        raw.stats("this is a test", List.of("ref1"))
            .plus(raw.stats("another test", List.of("ref2")));
    assertThat(raw.score(two, true)).isZero();
    assertThat(raw.score(raw.stats("this is a fest", List.of("this is a test")), true) / 100)
        .isCloseTo(0.223606797749979, within(1e-8));
  }

  @Test
  void tokenizes13aAsMteval() {
    assertThat(Bleu.standard().tokens("It wasn't surprising, 3.5-4 times (really)!"))
        .containsExactly(
            "It", "wasn't", "surprising", ",", "3.5", "-", "4", "times", "(", "really", ")", "!");
    assertThat(new ArrayList<>(List.of(Bleu.standard().tokens("  ")))).isEmpty();
  }

  static List<String> tokens(String tokenizer, String text) {
    return List.of(new Bleu(tokenizer, false, Bleu.Smoothing.EXP, Double.NaN).tokens(text));
  }

  /** sacreBLEU's other tokenizers on cases worked by hand from their rules. */
  @Test
  void intlZhAndCharTokenizersFollowSacreBleusRules() {
    // intl (mteval-v14): punctuation next to a non-digit and every symbol split off; 3.5 and
    // 2,000 keep their separators between digits; "€." is a symbol, then a period after a non-digit
    assertThat(tokens("intl", "Hello, world! It costs $3.5 or 2,000€."))
        .containsExactly(
            "Hello", ",", "world", "!", "It", "costs", "$", "3.5", "or", "2,000", "€", ".");
    assertThat(tokens("intl", "«Bonjour»")).containsExactly("«", "Bonjour", "»");
    // zh: every character of the Chinese ranges is a token, then 13a's rules
    assertThat(tokens("zh", "我爱北京。AI模型 works."))
        .containsExactly("我", "爱", "北", "京", "。", "AI", "模", "型", "works", ".");
    // ... including U+2001–U+2A6D, which its mistyped five-digit escape covers (an em dash)
    assertThat(tokens("zh", "a—b")).containsExactly("a", "—", "b");
    // char: every character but whitespace
    assertThat(tokens("char", "ab c")).containsExactly("a", "b", "c");
    assertThat(tokens("none", "ab, c")).containsExactly("ab,", "c");
  }
}
