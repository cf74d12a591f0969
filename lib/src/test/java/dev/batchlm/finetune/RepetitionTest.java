package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Gopher's repetition statistics on texts whose values are counted by hand. */
class RepetitionTest {
  private final Repetition rules = new Repetition();

  private static String words(int from, int to) { // "w100 w101 …"
    return IntStream.range(from, to).mapToObj(i -> "w" + i).collect(Collectors.joining(" "));
  }

  @Test
  void duplicateLinesByCountAndByCharacters() {
    // 4 lines of 2 characters, one repeated: 1/4 = 0.25 of lines (≤ 0.30), 2/8 = 0.25 of characters
    assertThat(Repetition.duplicates(List.of("a b", "a b", "c d", "e f")))
        .containsExactly(0.25, 0.25);
    assertThat(rules.check("a b\na b\nc d\ne f")).contains("duplicate_lines");
    // blank lines are not lines: 1 of 6 lines (0.17), 5 of 47 characters (0.11); no 2-gram repeats
    assertThat(
            rules.check("alpha\n\nbeta gamma\n\nalpha\n\ndelta epsilon\n\nzeta eta\n\ntheta iota"))
        .isEmpty();
    // lines: 1 of 5 (0.2), 4 of 26 characters (0.15); paragraphs: 1 of 3 (0.33 > 0.30)
    assertThat(rules.check("x1 x2\n\nyy1 yy2\nzz1 zz2\nqq1 qq2\n\nx1 x2"))
        .contains("duplicate_paragraphs");
  }

  @Test
  void theMostFrequentNGramCountsOnlyWhenItRepeats() {
    // 12 words of 2 characters; "aa bb" twice: 2 × 4 = 8 of 24 characters = 0.33 > 0.20
    String text = "aa bb aa bb cc dd ee ff gg hh ii jj";
    assertThat(Repetition.topNGramChars(Repetition.words(text), 2)).isEqualTo(8);
    assertThat(rules.check(text)).contains("top_2_gram");
    // no 2-gram repeats: nothing, however short the text
    assertThat(Repetition.topNGramChars(Repetition.words("billing"), 2)).isZero();
    assertThat(Repetition.topNGramChars(Repetition.words("a short answer"), 2)).isZero();
    assertThat(rules.check("a short answer")).isEmpty();
  }

  @Test
  void duplicateNGramsCoverEachWordOnce() {
    // a b c d e three times: the 5-grams starting at 5 … 10 all occurred before; words 5 … 14
    assertThat(Repetition.duplicateNGramChars(Repetition.words("a b c d e a b c d e a b c d e"), 5))
        .isEqualTo(10);
    // w100 … w104, 20 other words, w100 … w104 again: the second occurrence's 5 words of 4
    String text = words(100, 105) + " " + words(200, 220) + " " + words(100, 105);
    assertThat(Repetition.duplicateNGramChars(Repetition.words(text), 5)).isEqualTo(20);
    assertThat(Repetition.duplicateNGramChars(Repetition.words(text), 6)).isZero();
  }

  @Test
  void ordinaryProsePasses() {
    String answer =
        "Refunds are issued to the original payment method within five business days. If you paid"
            + " by bank transfer, we need the account holder's name and the last four digits of the"
            + " account. Partial refunds apply when only some items of an order are returned; the"
            + " shipping fee is refunded only if the whole order comes back unopened.";
    assertThat(rules.check(answer)).isEmpty();
    assertThat(rules.check(answer + "\n" + answer + "\n" + answer)).isPresent();
  }
}
