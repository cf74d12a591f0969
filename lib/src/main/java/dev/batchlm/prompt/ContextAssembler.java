package dev.batchlm.prompt;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Retrieval-augmented prompts: puts the best chunks, in rank order, into one context text within a
 * token budget, numbered {@code [1]}, {@code [2]}, ... so that answers can cite them. A chunk that
 * does not fit ends the context (a later, lower-ranked one is not squeezed in instead).
 */
public final class ContextAssembler {
  private final long budgetTokens;
  private final ToLongFunction<String> tokens;

  /** A chunk offered for the context. */
  public record Passage(String chunkId, String text) {}

  /** The context text and the chunk ids that went into it, in order. */
  public record Context(String text, List<String> chunkIds) {}

  public ContextAssembler(long budgetTokens, ToLongFunction<String> tokens) {
    this.budgetTokens = budgetTokens;
    this.tokens = tokens;
  }

  public Context assemble(List<Passage> ranked) {
    StringBuilder text = new StringBuilder();
    List<String> ids = new ArrayList<>();
    long used = 0;
    for (Passage p : ranked) {
      String block = (ids.isEmpty() ? "" : "\n\n") + "[" + (ids.size() + 1) + "] " + p.text();
      long cost = tokens.applyAsLong(block);
      if (used + cost > budgetTokens) {
        break;
      }
      used += cost;
      text.append(block);
      ids.add(p.chunkId());
    }
    return new Context(text.toString(), List.copyOf(ids));
  }
}
