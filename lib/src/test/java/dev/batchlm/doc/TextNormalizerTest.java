package dev.batchlm.doc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextNormalizerTest {
  @Test
  void composesToNfcAndUnifiesLineEnds() {
    assertThat(TextNormalizer.normalize("Cafe\u0301\r\nna\u0308ive\rend\fpage"))
        .isEqualTo("Café\nnäive\nend\npage");
  }

  @Test
  void dropsControlCharactersAndBomButKeepsTabsAndEmoji() {
    assertThat(TextNormalizer.normalize("\uFEFFa\u0000b\u0007c\td\u0085e 😀"))
        .isEqualTo("abc\tde 😀");
  }

  @Test
  void undecodableRatioCountsReplacementAndControlCharacters() {
    assertThat(TextNormalizer.undecodableRatio("abcd")).isZero();
    assertThat(TextNormalizer.undecodableRatio("ab\uFFFD\u0001")).isEqualTo(0.5);
    assertThat(TextNormalizer.undecodableRatio("a\r\n\t\f")).isZero();
  }
}
