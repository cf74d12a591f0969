package dev.batchlm.cost;

import dev.batchlm.llm.TokenUsage;
import java.io.Serializable;

/**
 * What one provider's model costs: USD per million tokens of input, cached input (prompt-cache
 * reads) and output (reasoning tokens are billed as output, and providers count them in it), and
 * USD per device-hour for a model run on our own devices (the {@code local} provider). {@code
 * batchDiscount} is the share taken off by the provider's Batch API ({@link #atBatchRates}).
 */
public record Price(
    double inputPerMillion,
    double cachedInputPerMillion,
    double outputPerMillion,
    double batchDiscount,
    double deviceHour)
    implements Serializable {

  /** What the same tokens cost through the provider's Batch API. */
  public Price atBatchRates() {
    double k = 1 - batchDiscount;
    return new Price(inputPerMillion * k, cachedInputPerMillion * k, outputPerMillion * k, 0, 0);
  }

  public double cost(TokenUsage usage) {
    return cost(usage, 0);
  }

  /** Tokens at their rates plus {@code deviceMillis} of device time at the hourly rate. */
  public double cost(TokenUsage usage, double deviceMillis) {
    long uncached = Math.max(0, usage.input() - usage.cachedInput());
    return (uncached * inputPerMillion
                + usage.cachedInput() * cachedInputPerMillion
                + usage.output() * outputPerMillion)
            / 1e6
        + deviceMillis / 3.6e6 * deviceHour;
  }
}
