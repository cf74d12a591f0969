package dev.batchlm.cost;

import dev.batchlm.llm.TokenUsage;
import java.io.Serializable;

/**
 * USD per million tokens of one provider's model: input, cached input (prompt-cache reads) and
 * output (reasoning tokens are billed as output, and providers count them in it). {@code
 * batchDiscount} is the share taken off by the provider's batch API (recorded; batchlm calls the
 * synchronous API).
 */
public record Price(
    double inputPerMillion,
    double cachedInputPerMillion,
    double outputPerMillion,
    double batchDiscount)
    implements Serializable {

  public double cost(TokenUsage usage) {
    long uncached = Math.max(0, usage.input() - usage.cachedInput());
    return (uncached * inputPerMillion
            + usage.cachedInput() * cachedInputPerMillion
            + usage.output() * outputPerMillion)
        / 1e6;
  }
}
