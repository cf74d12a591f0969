package dev.batchlm.chunk;

import java.util.ArrayList;
import java.util.List;

/** Turns UTF-16 spans into {@link Chunk}s: code point offsets, text and exact token counts. */
final class ChunkAssembler {
  private ChunkAssembler() {}

  static List<Chunk> assemble(String text, Spans spans, String section, TokenCounter tokens) {
    List<Chunk> chunks = new ArrayList<>(spans.size());
    append(text, spans, i -> section, counting(tokens), chunks);
    return chunks;
  }

  interface Sections {
    String of(int spanIndex);
  }

  /**
   * The token count of span {@code spanIndex}, whose text is {@code chunkText}; null: no tokenizer.
   */
  interface Counts {
    Integer of(int spanIndex, String chunkText);
  }

  static Counts counting(TokenCounter tokens) {
    return (i, chunkText) -> tokens == null ? null : tokens.count(chunkText);
  }

  static void append(
      String text, Spans spans, Sections sections, Counts counts, List<Chunk> chunks) {
    CodePoints cp = new CodePoints(text);
    int prevStart = -1;
    int prevEnd = -1;
    for (int i = 0; i < spans.size(); i++) {
      int s = spans.start(i);
      int e = spans.end(i);
      if (s >= prevStart && e <= prevEnd) {
        // Inside the previous chunk (whitespace-only pieces trimmed away): no new text, and the
        // same offsets would give a duplicate chunk id.
        continue;
      }
      prevStart = s;
      prevEnd = e;
      String chunkText = text.substring(s, e);
      Integer tokenCount = counts.of(i, chunkText);
      chunks.add(
          new Chunk(chunks.size(), cp.at(s), cp.at(e), chunkText, sections.of(i), tokenCount));
    }
  }

  /** UTF-16 index to code point index, cheap for indices visited in nearly increasing order. */
  static final class CodePoints {
    private final String text;
    private int utf16;
    private int codePoints;

    CodePoints(String text) {
      this.text = text;
    }

    int at(int index) {
      if (index >= utf16) {
        codePoints += Character.codePointCount(text, utf16, index);
      } else {
        codePoints -= Character.codePointCount(text, index, utf16);
      }
      utf16 = index;
      return codePoints;
    }
  }
}
