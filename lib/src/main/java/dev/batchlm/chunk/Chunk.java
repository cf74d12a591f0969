package dev.batchlm.chunk;

import static java.util.Objects.requireNonNull;

/**
 * One chunk of a document. {@code charStart}/{@code charEnd} count Unicode code points (as Python,
 * DuckDB and Spark SQL do), half-open: the chunk's text is exactly the document's code points
 * {@code [charStart, charEnd)}. {@code section} is the markdown header path ({@code "A > B"}) or
 * {@code null}; {@code tokenCount} is exact for the configured tokenizer, or {@code null} without
 * one.
 */
public record Chunk(
    int index, int charStart, int charEnd, String text, String section, Integer tokenCount) {
  public Chunk {
    requireNonNull(text, "text");
    if (charStart < 0 || charEnd <= charStart) {
      throw new IllegalArgumentException("bad chunk offsets [" + charStart + ", " + charEnd + ")");
    }
  }
}
