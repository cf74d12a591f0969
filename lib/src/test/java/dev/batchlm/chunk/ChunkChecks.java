package dev.batchlm.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;

/** Properties every chunker must have, checked independently of the chunkers' own offset code. */
final class ChunkChecks {
  private ChunkChecks() {}

  /** The code points [start, end) of text, computed without any UTF-16 index arithmetic. */
  static String codePointSubstring(String text, int start, int end) {
    int[] cps = text.codePoints().skip(start).limit(end - start).toArray();
    return new String(cps, 0, cps.length);
  }

  /** Offsets reproduce the text, chunks are in order, and every non-space code point is covered. */
  static void exactAndCovering(String text, List<Chunk> chunks) {
    int[] cps = text.codePoints().toArray();
    boolean[] covered = new boolean[cps.length];
    int prevStart = -1;
    int prevEnd = -1;
    for (int i = 0; i < chunks.size(); i++) {
      Chunk c = chunks.get(i);
      assertThat(c.index()).isEqualTo(i);
      assertThat(codePointSubstring(text, c.charStart(), c.charEnd()))
          .as("chunk %d [%d,%d)", i, c.charStart(), c.charEnd())
          .isEqualTo(c.text());
      // in order, and never inside the previous chunk (which would repeat a chunk id or add
      // nothing)
      assertThat(c.charStart()).as("chunk %d start", i).isGreaterThanOrEqualTo(prevStart);
      assertThat(c.charEnd()).as("chunk %d end", i).isGreaterThan(prevEnd);
      prevStart = c.charStart();
      prevEnd = c.charEnd();
      assertThat(Character.isWhitespace(c.text().codePointAt(0))).isFalse();
      for (int p = c.charStart(); p < c.charEnd(); p++) {
        covered[p] = true;
      }
    }
    for (int p = 0; p < cps.length; p++) {
      if (!Character.isWhitespace(cps[p]) && !Character.isSpaceChar(cps[p])) {
        assertThat(covered[p])
            .as("code point %d (%s) covered", p, Character.toString(cps[p]))
            .isTrue();
      }
    }
  }

  static void withinSize(List<Chunk> chunks, int size) {
    for (Chunk c : chunks) {
      assertThat(c.charEnd() - c.charStart())
          .as("chunk %d length", c.index())
          .isLessThanOrEqualTo(size);
    }
  }

  static void overlapAtMost(List<Chunk> chunks, int overlap) {
    for (int i = 1; i < chunks.size(); i++) {
      int shared = chunks.get(i - 1).charEnd() - chunks.get(i).charStart();
      assertThat(shared).as("overlap of chunks %d and %d", i - 1, i).isLessThanOrEqualTo(overlap);
    }
  }

  private static final String[] PIECES = {
    "alpha",
    "beta",
    "gamma",
    "Δέλτα",
    "日本語",
    "テキスト",
    "😀",
    "👩‍👩‍👧",
    "🎉🎉",
    "naïve",
    "x",
    "data",
    "the",
    "a",
    "Ω",
    "e\u0301",
    "long-word-without-breaks-at-all",
    "|",
    "col",
    "1.5",
  };
  private static final String[] GAPS = {
    " ", " ", " ", "  ", "\n", "\n\n", "\n\n\n", ". ", "! ", "\t", " | "
  };

  /** Random text of words, emoji, CJK, combining marks, markdown headers and whitespace. */
  static String randomText(Random rnd, int pieces) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < pieces; i++) {
      if (rnd.nextInt(40) == 0) {
        sb.append("\n")
            .append("#".repeat(1 + rnd.nextInt(3)))
            .append(" Header ")
            .append(i)
            .append("\n");
      }
      sb.append(PIECES[rnd.nextInt(PIECES.length)]);
      sb.append(GAPS[rnd.nextInt(GAPS.length)]);
    }
    return sb.toString();
  }
}
