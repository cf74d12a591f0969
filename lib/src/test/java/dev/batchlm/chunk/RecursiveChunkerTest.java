package dev.batchlm.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecursiveChunkerTest {
  private static List<String> texts(List<Chunk> chunks) {
    return chunks.stream().map(Chunk::text).toList();
  }

  /** LangChain's own test (test_iterative_text_splitter): chunk_size=10, chunk_overlap=1. */
  @Test
  void reproducesLangChainIterativeSplitterTest() {
    String text =
        "Hi.\n\nI'm Harrison.\n\nHow? Are?\nYou?\nOkay then f f f f.\n"
            + "This is a weird text to write, but gotta test the splittingggg some how.\n\n"
            + "Bye!\n\n-H.";
    List<Chunk> chunks = Chunkers.recursive(10, 1).chunk(text);
    assertThat(texts(chunks))
        .containsExactly(
            "Hi.",
            "I'm",
            "Harrison.",
            "How? Are?",
            "You?",
            "Okay then",
            "f f f f.",
            "This is a",
            "weird",
            "text to",
            "write,",
            "but gotta",
            "test the",
            "splitting",
            "gggg",
            "some how.",
            "Bye!",
            "-H.");
    ChunkChecks.exactAndCovering(text, chunks);
  }

  @Test
  void mergesSmallPiecesWithOverlapOfWholePieces() {
    // Hand-derived from _merge_splits: pieces "aaaa", " bbbb", " cccc", " dddd", " eeee" (4, 5, 5,
    // 5, 5). The first chunk takes three (14); the carried total must drop to <= 5, so only " cccc"
    // carries over; "cccc dddd" + " eeee" would be 15 > 14, so " dddd" alone carries into the last.
    String text = "aaaa bbbb cccc dddd eeee";
    List<Chunk> chunks = Chunkers.recursive(14, 5).chunk(text);
    assertThat(texts(chunks)).containsExactly("aaaa bbbb cccc", "cccc dddd", "dddd eeee");
    assertThat(chunks.get(1).charStart()).isEqualTo(10);
    assertThat(chunks.get(1).charEnd()).isEqualTo(19);
  }

  @Test
  void keepSeparatorEndAndNoneKeepExactSubstrings() {
    String text = "one.two.three.four";
    var end =
        Chunkers.recursive(9, 0, List.of(".", ""), RecursiveChunker.Keep.END, Unit.CHARS, null)
            .chunk(text);
    assertThat(texts(end)).containsExactly("one.two.", "three.", "four");
    var none =
        Chunkers.recursive(9, 0, List.of(".", ""), RecursiveChunker.Keep.NONE, Unit.CHARS, null)
            .chunk(text);
    assertThat(texts(none)).containsExactly("one.two", "three", "four");
    assertThat(none.get(1).charStart()).isEqualTo(8);
  }

  @Test
  void offsetsCountCodePointsAndRepeatedPassagesGetTheirOwnOffsets() {
    String passage = "😀 日本語のテキスト 🎉";
    String text = passage + "\n\n" + passage + "\n\n" + passage;
    List<Chunk> chunks = Chunkers.recursive(14, 0).chunk(text);
    assertThat(texts(chunks)).containsExactly(passage, passage, passage);
    int len = passage.codePointCount(0, passage.length());
    assertThat(chunks.get(1).charStart()).isEqualTo(len + 2);
    assertThat(chunks.get(2).charStart()).isEqualTo(2 * (len + 2));
    ChunkChecks.exactAndCovering(text, chunks);
  }

  @Test
  void neverSplitsASurrogatePair() {
    String text = "😀".repeat(25);
    List<Chunk> chunks = Chunkers.recursive(4, 1).chunk(text);
    ChunkChecks.exactAndCovering(text, chunks);
    ChunkChecks.withinSize(chunks, 4);
    assertThat(chunks)
        .allSatisfy(c -> assertThat(c.text()).isEqualTo("😀".repeat(c.charEnd() - c.charStart())));
  }

  @Test
  void propertiesHoldOnRandomText() {
    Random rnd = new Random(7);
    for (int trial = 0; trial < 300; trial++) {
      String text = ChunkChecks.randomText(rnd, 1 + rnd.nextInt(400));
      int size = 5 + rnd.nextInt(200);
      int overlap = rnd.nextInt(size / 2 + 1);
      RecursiveChunker.Keep keep = RecursiveChunker.Keep.values()[rnd.nextInt(3)];
      List<Chunk> chunks =
          Chunkers.recursive(size, overlap, Chunkers.DEFAULT_SEPARATORS, keep, Unit.CHARS, null)
              .chunk(text);
      ChunkChecks.exactAndCovering(text, chunks);
      ChunkChecks.withinSize(chunks, size);
      ChunkChecks.overlapAtMost(chunks, overlap);
    }
  }

  @Test
  void strategyNamesEveryParameter() {
    assertThat(Chunkers.recursive(100, 10).strategy())
        .isEqualTo(
            "recursive(size=100,overlap=10,unit=chars,separators=[\"\\n\\n\",\"\\n\",\" \",\"\"],keep=start)");
  }

  /**
   * LangChain's test_character_text_splitter_longer_words and _short_words_first with the overlap
   * equal to the size, which its TextSplitter accepts (only overlap > size raises).
   */
  @Test
  void acceptsOverlapEqualToSizeAsLangChainDoes() {
    Chunker words =
        Chunkers.recursive(1, 1, List.of(" "), RecursiveChunker.Keep.NONE, Unit.CHARS, null);
    assertThat(texts(words.chunk("foo bar baz 123"))).containsExactly("foo", "bar", "baz", "123");
    Chunker three =
        Chunkers.recursive(3, 3, List.of(" "), RecursiveChunker.Keep.NONE, Unit.CHARS, null);
    assertThat(texts(three.chunk("a a foo bar baz"))).containsExactly("a a", "foo", "bar", "baz");
  }

  @Test
  void rejectsOverlapAboveSize() {
    assertThatThrownBy(() -> Chunkers.recursive(10, 11))
        .hasMessageContaining("chunk.overlap")
        .hasMessageContaining("<= chunk.size=10");
    assertThatThrownBy(() -> Chunkers.tokens(10, 10, null)).hasMessageContaining("< chunk.size=10");
  }
}
