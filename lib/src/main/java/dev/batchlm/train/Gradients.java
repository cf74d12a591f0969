package dev.batchlm.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one share of a step computed: the gradient of every LoRA matrix (plain arrays, small, sent
 * to the driver), the share's part of the loss and its trained tokens. Shares add up to the step's
 * (the loss weights are {@code 1/N} of the whole step), in any order up to float rounding.
 */
public record Gradients(Map<String, float[]> byName, double loss, long tokens)
    implements Serializable {

  public static final Gradients NONE = new Gradients(Map.of(), 0, 0);

  public Gradients plus(Gradients o) {
    if (byName.isEmpty()) {
      return o;
    }
    if (o.byName.isEmpty()) {
      return this;
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
    return new Gradients(sum, loss + o.loss, tokens + o.tokens);
  }
}
