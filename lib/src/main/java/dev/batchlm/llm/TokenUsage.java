package dev.batchlm.llm;

import java.io.Serializable;

/**
 * Tokens of one call as the provider reported them. {@code cachedInput} is the part of {@code
 * input} served from the provider's prompt cache (billed at the cached rate); {@code reasoning} is
 * the part of {@code output} spent on hidden reasoning. Zero when not reported.
 */
public record TokenUsage(long input, long output, long cachedInput, long reasoning)
    implements Serializable {
  public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0);

  public TokenUsage plus(TokenUsage o) {
    return new TokenUsage(
        input + o.input, output + o.output, cachedInput + o.cachedInput, reasoning + o.reasoning);
  }

  public long total() {
    return input + output;
  }
}
