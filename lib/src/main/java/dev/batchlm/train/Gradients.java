package dev.batchlm.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one share of a step computed: the gradient of every LoRA matrix (plain arrays, small, sent
 * to the driver), the share's part of the loss, its trained tokens and compute seconds. Shares add
 * up to the step's: with loss weights {@code 1/N} of the whole step directly, with weights 1
 * through {@link #perToken} once summed.
 */
public record Gradients(Map<String, float[]> byName, double loss, long tokens, double seconds)
    implements Serializable {

  public static final Gradients NONE = new Gradients(Map.of(), 0, 0, 0);

  public Gradients plus(Gradients o) {
    if (byName.isEmpty() || o.byName.isEmpty()) {
      Gradients g = byName.isEmpty() ? o : this;
      return new Gradients(g.byName, loss + o.loss, tokens + o.tokens, seconds + o.seconds);
    }
    Map<String, float[]> sum = new LinkedHashMap<>();
    byName.forEach(
        (k, g) -> {
          float[] other = o.byName.get(k);
          float[] s = g.clone();
          for (int i = 0; i < s.length; i++) {
            s[i] += other[i];
          }
          sum.put(k, s);
        });
    return new Gradients(sum, loss + o.loss, tokens + o.tokens, seconds + o.seconds);
  }

  /**
   * Sums (each token weighted 1) divided by the tokens: the step's mean loss and its gradient.
   * Shares computed with weight 1 add up without knowing the step's token count in advance.
   */
  public Gradients perToken() {
    double n = Math.max(1, tokens);
    Map<String, float[]> mean = new LinkedHashMap<>();
    byName.forEach(
        (k, g) -> {
          float[] m = new float[g.length];
          for (int i = 0; i < m.length; i++) {
            m[i] = (float) (g[i] / n);
          }
          mean.put(k, m);
        });
    return new Gradients(mean, loss / n, tokens, seconds);
  }
}
