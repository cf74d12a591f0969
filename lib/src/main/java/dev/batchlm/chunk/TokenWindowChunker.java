package dev.batchlm.chunk;

import java.util.List;
import java.util.Locale;

/**
 * Windows of at most {@code size} consecutive tokens. A window ends before a token that starts a
 * word (one preceded by whitespace), so that no word is split, unless a single word is longer than
 * the window; the next window starts at most {@code overlap} tokens before the previous one's end,
 * also at a word start. A chunk spans from its first token's start to where the token after its
 * last one starts (trimmed of whitespace), so every character of the document is in a chunk, and
 * the chunk is an exact substring. {@code token_count} is exact: a window of whole words has as
 * many tokens as it took from the document when the tokenizer {@link
 * TokenCounter#splitsAtWhitespace() splits at whitespace}; otherwise the chunk's text is encoded
 * again to count them.
 */
public final class TokenWindowChunker implements Chunker {
  private final int size;
  private final int overlap;
  private final TokenCounter tokens;

  TokenWindowChunker(int size, int overlap, TokenCounter tokens) {
    Chunkers.checkSizes(size, overlap, false);
    if (tokens == null) {
      throw new IllegalArgumentException("strategy tokens needs a tokenizer (chunk.tokenizer)");
    }
    this.size = size;
    this.overlap = overlap;
    this.tokens = tokens;
  }

  @Override
  public List<Chunk> chunk(String text) {
    int[][] offsets = tokens.offsets(text);
    int n = offsets[0].length;
    Spans out = new Spans();
    if (n == 0) {
      SpanMerger.emit(text, 0, text.length(), out);
      return ChunkAssembler.assemble(text, out, null, tokens);
    }
    boolean[] startsWord = new boolean[n + 1];
    startsWord[0] = true;
    startsWord[n] = true;
    for (int i = 1; i < n; i++) {
      startsWord[i] = hasWhitespace(text, offsets[1][i - 1], offsets[0][i]);
    }
    int[] known = new int[n]; // token count of each emitted window, or -1 to encode it again
    for (int first = 0; ; ) {
      int end = Math.min(first + size, n); // the window is tokens [first, end)
      int cut = end;
      while (cut > first + 1 && !startsWord[cut]) {
        cut--;
      }
      if (startsWord[cut]) {
        end = cut;
      }
      // A window reaches to where the next token starts, so that characters the tokenizer's
      // normalizer drops (accents, control characters) between tokens are not lost.
      int before = out.size();
      SpanMerger.emit(
          text,
          first == 0 ? 0 : offsets[0][first],
          end == n ? text.length() : offsets[0][end],
          out);
      if (out.size() > before) {
        boolean wholeWords = startsWord[first] && startsWord[end];
        known[before] = wholeWords && tokens.splitsAtWhitespace() ? end - first : -1;
      }
      if (end == n) {
        break;
      }
      int next = Math.max(first + 1, end - overlap);
      while (next < end && !startsWord[next]) {
        next++;
      }
      first = next;
    }
    List<Chunk> chunks = new java.util.ArrayList<>(out.size());
    ChunkAssembler.append(
        text,
        out,
        i -> null,
        (i, chunkText) -> known[i] >= 0 ? known[i] : tokens.count(chunkText),
        chunks);
    return chunks;
  }

  private static boolean hasWhitespace(String text, int from, int to) {
    for (int i = from; i < to; i++) {
      if (SpanMerger.isSpace(text.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String strategy() {
    return String.format(
        Locale.ROOT, "tokens(size=%d,overlap=%d,tokenizer=%s)", size, overlap, tokens.id());
  }
}
