package dev.batchlm.chunk;

/** How chunk sizes are measured. */
public enum Unit {
  /** Unicode code points, as Python's {@code len}. */
  CHARS,
  /** Tokens of the configured tokenizer. */
  TOKENS
}
