package dev.batchlm.chunk;

/**
 * What chunking needs from a tokenizer: token counts and each token's position in the text.
 * Implemented by {@code dev.batchlm.tokenizer.HfTokenizer}; counts exclude special tokens.
 * Thread-safe.
 */
public interface TokenCounter {
  int count(String text);

  /**
   * UTF-16 offsets of the tokens of {@code text}, without special tokens: {@code result[0][i]} is
   * the start and {@code result[1][i]} the end (exclusive) of token {@code i}.
   */
  int[][] offsets(String text);

  /** Identifies the tokenizer in strategy strings, e.g. a hash of its tokenizer.json. */
  String id();

  /**
   * True when the tokens of a text cut at whitespace are exactly the tokens of its parts: the
   * tokenizer splits words at whitespace before its model runs and normalizes character by
   * character (BERT's WordPiece). Then a window of whole words has as many tokens as it took from
   * the document, and its count needs no second encoding. False (the safe answer) for anything
   * else, e.g. byte-level BPE, where a word's leading space is part of its token.
   */
  default boolean splitsAtWhitespace() {
    return false;
  }
}
