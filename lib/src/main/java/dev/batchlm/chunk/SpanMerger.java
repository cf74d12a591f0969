package dev.batchlm.chunk;

/**
 * Packs consecutive pieces into chunks of at most {@code size}, carrying up to {@code overlap} of
 * the previous chunk into the next: the merge step of LangChain's {@code
 * TextSplitter._merge_splits}, applied to spans instead of strings. A chunk is the span from its
 * first piece's start to its last piece's end, with surrounding whitespace trimmed (LangChain's
 * {@code strip_whitespace}); so its text is always an exact substring of the document.
 */
final class SpanMerger {
  private final int size;
  private final int overlap;

  SpanMerger(int size, int overlap) {
    this.size = size;
    this.overlap = overlap;
  }

  /**
   * @param lengths length of each piece in the chunking unit
   * @param separatorLength length of the separator between pieces that is not part of them (0 when
   *     the pieces are contiguous)
   */
  void merge(String text, Spans pieces, int[] lengths, int separatorLength, Spans out) {
    int first = 0; // the current chunk is pieces [first, next)
    int total = 0;
    for (int next = 0; next < pieces.size(); next++) {
      int len = lengths[next];
      int count = next - first;
      if (total + len + (count > 0 ? separatorLength : 0) > size) {
        if (count > 0) {
          emit(text, pieces.start(first), pieces.end(next - 1), out);
          while (total > overlap
              || (total + len + (next - first > 0 ? separatorLength : 0) > size && total > 0)) {
            total -= lengths[first] + (next - first > 1 ? separatorLength : 0);
            first++;
          }
        }
      }
      total += len + (next - first > 0 ? separatorLength : 0);
    }
    if (first < pieces.size()) {
      emit(text, pieces.start(first), pieces.end(pieces.size() - 1), out);
    }
  }

  static void emit(String text, int start, int end, Spans out) {
    while (start < end && isSpace(text.charAt(start))) {
      start++;
    }
    while (end > start && isSpace(text.charAt(end - 1))) {
      end--;
    }
    if (start < end) {
      out.add(start, end);
    }
  }

  /** Python's {@code str.isspace} for the characters that matter: all whitespace is in the BMP. */
  static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
  }
}
