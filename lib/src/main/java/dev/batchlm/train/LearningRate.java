package dev.batchlm.train;

import java.io.Serializable;

/**
 * The learning rate of each optimizer step, as transformers' schedulers compute it: linear warmup
 * from 0, then cosine (half a cycle) or linear decay to 0 at the last step, or constant.
 */
public record LearningRate(double peak, int warmupSteps, int totalSteps, String schedule)
    implements Serializable {
  public LearningRate {
    if (!schedule.equals("cosine") && !schedule.equals("linear") && !schedule.equals("constant")) {
      throw new IllegalArgumentException(
          "schedule '" + schedule + "' is not one of cosine, linear, constant");
    }
  }

  /** The rate of step {@code step}, counted from 0. */
  public double at(long step) {
    if (step < warmupSteps) {
      return peak * step / Math.max(1, warmupSteps);
    }
    double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
    return switch (schedule) {
      case "cosine" -> peak * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
      case "linear" -> peak * Math.max(0, 1 - progress);
      default -> peak;
    };
  }
}
