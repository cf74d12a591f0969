package dev.batchlm.cost;

/**
 * A spending limit shared by the calls of one task: each call reserves its worst-case cost (prompt
 * plus max output tokens) before it is sent and settles the real cost when answered, so that the
 * calls in flight together can never overshoot. Thread-safe.
 */
public final class Budget {
  private final double limitUsd;
  private double committedUsd;

  /**
   * @param limitUsd ≤ 0 or infinite for no limit
   */
  public Budget(double limitUsd) {
    this.limitUsd = limitUsd > 0 ? limitUsd : Double.POSITIVE_INFINITY;
  }

  /** Whether {@code usd} more fits; if so it is reserved. */
  public synchronized boolean tryReserve(double usd) {
    if (committedUsd + usd > limitUsd) {
      return false;
    }
    committedUsd += usd;
    return true;
  }

  /** Replaces a reservation by the amount really spent. */
  public synchronized void settle(double reservedUsd, double spentUsd) {
    committedUsd += spentUsd - reservedUsd;
  }

  public synchronized double committedUsd() {
    return committedUsd;
  }
}
