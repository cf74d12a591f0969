package dev.batchlm.chunk;

import java.io.Serializable;
import java.util.List;

/** The chunking configuration, as sent to executors. {@code tokenizer} is a path or empty. */
public record ChunkSpec(
    String strategy,
    int size,
    int overlap,
    Unit unit,
    List<String> separators,
    RecursiveChunker.Keep keep,
    String tokenizer)
    implements Serializable {
  public ChunkSpec {
    separators = List.copyOf(separators);
  }

  public boolean needsTokenizer() {
    return unit == Unit.TOKENS || strategy.equals("tokens");
  }
}
