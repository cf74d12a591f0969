package dev.batchlm.chunk;

import java.util.List;

/** Factories for the chunking strategies. */
public final class Chunkers {
  /** LangChain's default separators: paragraphs, lines, words, code points. */
  public static final List<String> DEFAULT_SEPARATORS = List.of("\n\n", "\n", " ", "");

  private Chunkers() {}

  public static Chunker recursive(
      int size,
      int overlap,
      List<String> separators,
      RecursiveChunker.Keep keep,
      Unit unit,
      TokenCounter tokens) {
    return new RecursiveChunker(size, overlap, separators, keep, unit, tokens);
  }

  public static Chunker recursive(int size, int overlap) {
    return recursive(
        size, overlap, DEFAULT_SEPARATORS, RecursiveChunker.Keep.START, Unit.CHARS, null);
  }

  public static Chunker sentence(int size, int overlap, Unit unit, TokenCounter tokens) {
    return new SentenceChunker(size, overlap, unit, tokens);
  }

  public static Chunker markdown(
      int size,
      int overlap,
      List<String> separators,
      RecursiveChunker.Keep keep,
      Unit unit,
      TokenCounter tokens) {
    return new MarkdownChunker(
        new RecursiveChunker(size, overlap, separators, keep, unit, tokens), tokens);
  }

  public static Chunker tokens(int size, int overlap, TokenCounter tokens) {
    return new TokenWindowChunker(size, overlap, tokens);
  }

  /** Builds the configured chunker; {@code tokens} may be null when no tokenizer is configured. */
  public static Chunker create(ChunkSpec spec, TokenCounter tokens) {
    return switch (spec.strategy()) {
      case "recursive" ->
          recursive(
              spec.size(), spec.overlap(), spec.separators(), spec.keep(), spec.unit(), tokens);
      case "sentence" -> sentence(spec.size(), spec.overlap(), spec.unit(), tokens);
      case "markdown" ->
          markdown(
              spec.size(), spec.overlap(), spec.separators(), spec.keep(), spec.unit(), tokens);
      case "tokens" -> tokens(spec.size(), spec.overlap(), tokens);
      default ->
          throw new IllegalArgumentException(
              "Invalid chunk.strategy: "
                  + spec.strategy()
                  + " (recursive, sentence, markdown, tokens)");
    };
  }

  /**
   * Windows and sentence packing must advance, so their overlap stays below the size; the recursive
   * splitter, as LangChain's {@code TextSplitter}, also accepts an overlap equal to the size (only
   * a larger one is an error).
   */
  static void checkSizes(int size, int overlap, boolean overlapMayEqualSize) {
    if (size <= 0) {
      throw new IllegalArgumentException("Invalid chunk.size: " + size + " (must be > 0)");
    }
    if (overlap < 0 || overlap > size || (overlap == size && !overlapMayEqualSize)) {
      throw new IllegalArgumentException(
          "Invalid chunk.overlap: "
              + overlap
              + " (must be >= 0 and "
              + (overlapMayEqualSize ? "<= " : "< ")
              + "chunk.size="
              + size
              + ")");
    }
  }
}
