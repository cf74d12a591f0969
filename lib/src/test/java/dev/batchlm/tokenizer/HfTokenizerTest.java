package dev.batchlm.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.testing.TinyTokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
  @TempDir Path dir;

  @Test
  void offsetsPointAtTokensInUtf16EvenAfterEmojiAndCjk() throws Exception {
    Path file = TinyTokenizers.wordPiece(dir, List.of("hello", "world", "日", "本"), true);
    try (HfTokenizer t = HfTokenizer.fromFile(file)) {
      String text = "😀 Hello 日本 world 🎉 hello";
      int[][] offsets = t.offsets(text);
      long[] ids = t.ids(text);
      assertThat(offsets[0]).hasSize(ids.length);
      // Tokens: [UNK](emoji) hello 日 本 world [UNK](emoji) hello
      assertThat(ids).hasSize(7);
      assertThat(text.substring(offsets[0][0], offsets[1][0])).isEqualTo("😀");
      assertThat(text.substring(offsets[0][1], offsets[1][1])).isEqualTo("Hello");
      assertThat(text.substring(offsets[0][2], offsets[1][2])).isEqualTo("日");
      assertThat(text.substring(offsets[0][4], offsets[1][4])).isEqualTo("world");
      assertThat(text.substring(offsets[0][6], offsets[1][6])).isEqualTo("hello");
      assertThat(t.count(text)).isEqualTo(7);
      assertThat(t.count("")).isZero();
    }
  }

  @Test
  void countsExcludeSpecialTokensAndLongTextsAreNotTruncated() throws Exception {
    Path file = TinyTokenizers.wordPiece(dir, List.of("a"), true);
    try (HfTokenizer t = HfTokenizer.fromFile(file)) {
      assertThat(t.count("a")).isEqualTo(1);
      assertThat(t.count("a ".repeat(5000))).isEqualTo(5000);
    }
  }

  @Test
  void badFileIsNamedInTheError() throws Exception {
    Path bad = Files.writeString(dir.resolve("tokenizer.json"), "{not json");
    assertThatThrownBy(() -> HfTokenizer.fromFile(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(bad.toString());
  }

  @Test
  void knowsWhichPipelinesSplitAtWhitespace() throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    assertThat(
            HfTokenizer.splitsAtWhitespace(
                json.readTree(
                    "{\"normalizer\": {\"type\": \"BertNormalizer\"}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}}")))
        .isTrue();
    assertThat(
            HfTokenizer.splitsAtWhitespace(
                json.readTree(
                    "{\"normalizer\": null, \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\":"
                        + " [{\"type\": \"WhitespaceSplit\"}, {\"type\": \"Whitespace\"}]}}")))
        .isTrue();
    // GPT-2 style byte-level BPE: a word's leading space belongs to its token.
    assertThat(
            HfTokenizer.splitsAtWhitespace(
                json.readTree(
                    "{\"normalizer\": null, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}")))
        .isFalse();
    // SentencePiece style: spaces become the metaspace character inside tokens.
    assertThat(
            HfTokenizer.splitsAtWhitespace(
                json.readTree(
                    "{\"normalizer\": {\"type\": \"Replace\"}, \"pre_tokenizer\": {\"type\": \"Metaspace\"}}")))
        .isFalse();
    assertThat(
            HfTokenizer.splitsAtWhitespace(
                json.readTree(
                    "{\"added_tokens\": [{\"content\": \"new line\"}], \"pre_tokenizer\": {\"type\": \"Whitespace\"}}")))
        .isFalse();
  }
}
