package dev.batchlm.chunk;

import java.util.List;
import java.util.Locale;

/**
 * Windows of {@code size} consecutive tokens, each starting {@code size - overlap} tokens after the
 * previous one; the last window ends at the last token. A chunk spans from its first token's start
 * to its last token's end in the document, so text between tokens (spaces) is included and the
 * chunk is an exact substring. Its {@code token_count} is recounted on the chunk text, which can
 * differ from the window size where a word was cut at the window's edge.
 */
public final class TokenWindowChunker implements Chunker {
  private final int size;
  private final int overlap;
  private final TokenCounter tokens;

  TokenWindowChunker(int size, int overlap, TokenCounter tokens) {
    Chunkers.checkSizes(size, overlap);
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
    }
    for (int first = 0; first < n; first += size - overlap) {
      int last = Math.min(first + size, n) - 1;
      // A window reaches to where the next token starts, so that characters the tokenizer's
      // normalizer drops (accents, control characters) between tokens are not lost.
      int start = first == 0 ? 0 : offsets[0][first];
      int end = last == n - 1 ? text.length() : offsets[0][last + 1];
      SpanMerger.emit(text, start, end, out);
      if (last == n - 1) {
        break;
      }
    }
    return ChunkAssembler.assemble(text, out, null, tokens);
  }

  @Override
  public String strategy() {
    return String.format(
        Locale.ROOT, "tokens(size=%d,overlap=%d,tokenizer=%s)", size, overlap, tokens.id());
  }
}
