package dev.batchlm.nn;

import java.util.Arrays;
import java.util.Random;

/**
 * Picks the next token from logits as Hugging Face's generation does: greedy when {@code
 * temperature ≤ 0} (ties to the lowest id), else logits divided by the temperature, cut to the
 * {@code topK} largest (0: no cut), then to the smallest set of most likely tokens whose
 * probability reaches {@code topP} (1: no cut), and sampled. A seed per request makes a sampled
 * answer reproducible, and so cacheable. Not thread-safe: one per sequence.
 */
public final class Sampler {
  private final Settings settings;
  private final Random random;

  /** The sampling parameters of one request. */
  public record Settings(double temperature, int topK, double topP, long seed) {
    public static Settings greedy() {
      return new Settings(0, 0, 1, 0);
    }
  }

  public Sampler(Settings settings) {
    this.settings = settings;
    this.random = new Random(settings.seed());
  }

  public int next(float[] logits) {
    if (settings.temperature() <= 0) {
      return argmax(logits);
    }
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
    int kept = settings.topK() > 0 ? Math.min(settings.topK(), order.length) : order.length;
    double max = logits[order[0]] / settings.temperature();
    double[] p = new double[kept];
    double sum = 0;
    for (int i = 0; i < kept; i++) {
      p[i] = Math.exp(logits[order[i]] / settings.temperature() - max);
      sum += p[i];
    }
    double cumulative = 0;
    int nucleus = kept;
    for (int i = 0; i < kept; i++) {
      p[i] /= sum;
      cumulative += p[i];
      if (cumulative >= settings.topP() && nucleus == kept) {
        nucleus = i + 1;
      }
    }
    double mass = 0;
    for (int i = 0; i < nucleus; i++) {
      mass += p[i];
    }
    double u = random.nextDouble() * mass;
    for (int i = 0; i < nucleus; i++) {
      u -= p[i];
      if (u < 0) {
        return order[i];
      }
    }
    return order[nucleus - 1];
  }

  static int argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }
}
