package dev.batchlm.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.testing.TinyTokenizers;
import dev.batchlm.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtherChunkersTest {
  @TempDir Path dir;

  @Test
  void sentenceChunkerPacksWholeSentences() {
    String text = "First one. Second one here. Third. Fourth sentence is last.";
    List<Chunk> chunks = Chunkers.sentence(30, 0, Unit.CHARS, null).chunk(text);
    assertThat(chunks.stream().map(Chunk::text))
        .containsExactly("First one. Second one here.", "Third.", "Fourth sentence is last.");
    ChunkChecks.exactAndCovering(text, chunks);
  }

  @Test
  void sentenceChunkerPropertiesOnRandomText() {
    Random rnd = new Random(11);
    for (int trial = 0; trial < 150; trial++) {
      String text = ChunkChecks.randomText(rnd, 1 + rnd.nextInt(300));
      int size = 8 + rnd.nextInt(150);
      int overlap = rnd.nextInt(size / 2 + 1);
      List<Chunk> chunks = Chunkers.sentence(size, overlap, Unit.CHARS, null).chunk(text);
      ChunkChecks.exactAndCovering(text, chunks);
      ChunkChecks.withinSize(chunks, size);
      ChunkChecks.overlapAtMost(chunks, overlap);
    }
  }

  @Test
  void markdownChunkerKeepsHeaderPathsAndIgnoresHashesInCode() {
    String text =
        "Intro line.\n# Guide\nAbout.\n## Install\nRun it.\n```\n# not a header\n```\n"
            + "### Linux\napt.\n## Use\nGo.\n# Other\nEnd.";
    List<Chunk> chunks =
        Chunkers.markdown(
                200, 0, Chunkers.DEFAULT_SEPARATORS, RecursiveChunker.Keep.START, Unit.CHARS, null)
            .chunk(text);
    assertThat(chunks.stream().map(Chunk::section))
        .containsExactly(
            null, "Guide", "Guide > Install", "Guide > Install > Linux", "Guide > Use", "Other");
    assertThat(chunks.get(2).text()).isEqualTo("## Install\nRun it.\n```\n# not a header\n```");
    ChunkChecks.exactAndCovering(text, chunks);
  }

  @Test
  void markdownChunkerPropertiesOnRandomText() {
    Random rnd = new Random(13);
    for (int trial = 0; trial < 150; trial++) {
      String text = ChunkChecks.randomText(rnd, 1 + rnd.nextInt(300));
      int size = 8 + rnd.nextInt(150);
      int overlap = rnd.nextInt(size / 2 + 1);
      List<Chunk> chunks =
          Chunkers.markdown(
                  size,
                  overlap,
                  Chunkers.DEFAULT_SEPARATORS,
                  RecursiveChunker.Keep.START,
                  Unit.CHARS,
                  null)
              .chunk(text);
      ChunkChecks.exactAndCovering(text, chunks);
      ChunkChecks.withinSize(chunks, size);
    }
  }

  @Test
  void tokenWindowsHaveTheSizeAndOverlapInTokens() throws Exception {
    Path file = TinyTokenizers.wordPiece(dir, List.of("w"), true);
    try (HfTokenizer tokens = HfTokenizer.fromFile(file)) {
      String text = "w w w w w w w w w w"; // 10 tokens
      List<Chunk> chunks = Chunkers.tokens(4, 1, tokens).chunk(text);
      // windows start at tokens 0, 3, 6 (last one ends at token 9)
      assertThat(chunks.stream().map(Chunk::text)).containsExactly("w w w w", "w w w w", "w w w w");
      assertThat(chunks.stream().map(Chunk::charStart)).containsExactly(0, 6, 12);
      assertThat(chunks).allSatisfy(c -> assertThat(c.tokenCount()).isEqualTo(4));
    }
  }

  @Test
  void tokenWindowsEndBeforeAWordStartSoNoWordIsSplit() throws Exception {
    Path file = TinyTokenizers.wordPiece(dir, List.of("a", "b"), true);
    try (HfTokenizer tokens = HfTokenizer.fromFile(file)) {
      assertThat(tokens.splitsAtWhitespace()).isTrue();
      // "abab" is one word of 4 tokens (a ##b ##a ##b); windows of 5 tokens must not cut it.
      String text = "a abab b abab";
      List<Chunk> chunks = Chunkers.tokens(5, 0, tokens).chunk(text);
      assertThat(chunks.stream().map(Chunk::text)).containsExactly("a abab", "b abab");
      assertThat(chunks.stream().map(Chunk::tokenCount)).containsExactly(5, 5);
    }
  }

  @Test
  void tokenChunkersPropertiesOnRandomText() throws Exception {
    Path file =
        TinyTokenizers.wordPiece(
            dir, List.of("alpha", "beta", "gamma", "the", "data", "header", "日", "本", "語"), true);
    try (HfTokenizer tokens = HfTokenizer.fromFile(file)) {
      Random rnd = new Random(17);
      for (int trial = 0; trial < 60; trial++) {
        String text = ChunkChecks.randomText(rnd, 1 + rnd.nextInt(200));
        int size = 4 + rnd.nextInt(60);
        int overlap = rnd.nextInt(size / 2 + 1);
        List<Chunk> windows = Chunkers.tokens(size, overlap, tokens).chunk(text);
        ChunkChecks.exactAndCovering(text, windows);
        for (Chunk c : windows) {
          // Counted without a second encoding where the window holds whole words: still exact.
          assertThat(c.tokenCount()).as(c.text()).isEqualTo(tokens.count(c.text()));
        }
        List<Chunk> recursive =
            Chunkers.recursive(
                    size,
                    overlap,
                    Chunkers.DEFAULT_SEPARATORS,
                    RecursiveChunker.Keep.START,
                    Unit.TOKENS,
                    tokens)
                .chunk(text);
        ChunkChecks.exactAndCovering(text, recursive);
        for (Chunk c : recursive) {
          assertThat(c.tokenCount()).isEqualTo(tokens.count(c.text()));
        }
      }
    }
  }
}
