package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** SQuAD v1.1 script semantics, values derived by hand from its normalize_answer/f1_score. */
class SquadTest {
  @Test
  void normalizesAsTheScript() {
    assertThat(Squad.normalize("The  Cat, sat!")).isEqualTo("cat sat");
    assertThat(Squad.normalize("an apple\ta day")).isEqualTo("apple day");
    assertThat(Squad.normalize("theater")).isEqualTo("theater"); // articles are whole words
    assertThat(Squad.normalize("Ñandú's")).isEqualTo("ñandús");
  }

  @Test
  void exactMatchAndF1() {
    assertThat(Squad.exactMatch("the cat", List.of("dog", "A cat."))).isEqualTo(1);
    assertThat(Squad.exactMatch("cats", List.of("cat"))).isZero();
    // pred {big, red, dog}, gold {red, dog, barks}: 2 common, P = R = 2/3
    assertThat(Squad.f1("the big red dog", List.of("a red dog barks")))
        .isCloseTo(2 / 3.0, within(1e-12));
    // multiplicity: {x, x, y} vs {x, y, y} share one x and one y
    assertThat(Squad.f1("x x y", List.of("x y y"))).isCloseTo(2 / 3.0, within(1e-12));
    // the best gold counts; nothing in common is 0; an empty prediction is 0
    assertThat(Squad.f1("red dog", List.of("cat", "red dog"))).isEqualTo(1.0);
    assertThat(Squad.f1("cat", List.of("dog"))).isZero();
    assertThat(Squad.f1("", List.of("dog"))).isZero();
    assertThat(Squad.exactMatch("", List.of("the"))).isEqualTo(1); // both normalize to ""
  }
}
