package dev.batchlm.chunk;

import java.util.List;

/**
 * Splits a document's text into chunks whose offsets are exact by construction: every chunker
 * tracks positions while it splits and never searches the text for a chunk. Implementations are
 * immutable and thread-safe; one instance serves all tasks of an executor.
 */
public interface Chunker {
  List<Chunk> chunk(String text);

  /**
   * Name and parameters, e.g. {@code recursive(size=1000,overlap=200,unit=chars,...)}: written to
   * the {@code strategy} column and part of {@code chunk_id}, so changing a parameter changes the
   * ids.
   */
  String strategy();
}
