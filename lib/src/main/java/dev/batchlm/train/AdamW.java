package dev.batchlm.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay, as {@code torch.optim.AdamW} computes it, over named float
 * parameters held by the driver: {@code p ← p·(1 − lr·λ)}, then {@code p ← p − lr·m̂/(√v̂ + ε)}
 * with bias-corrected moments. Written here rather than through SameDiff's updaters because the
 * data-parallel step updates plain arrays on the driver (the executors only compute gradients), and
 * its state must be saved in checkpoints beside the adapter.
 */
public final class AdamW implements Serializable {
  private static final long serialVersionUID = 1L;

  /** torch's defaults: betas (0.9, 0.999), eps 1e-8. */
  public record Settings(double beta1, double beta2, double eps, double weightDecay)
      implements Serializable {
    public static Settings torchDefaults(double weightDecay) {
      return new Settings(0.9, 0.999, 1e-8, weightDecay);
    }
  }

  private final Settings s;
  private final Map<String, float[]> m = new LinkedHashMap<>();
  private final Map<String, float[]> v = new LinkedHashMap<>();
  private long steps;

  public AdamW(Settings s) {
    this.s = s;
  }

  /** Optimizer steps taken so far. */
  public long steps() {
    return steps;
  }

  /** First and second moments by parameter name (for checkpoints). */
  public Map<String, float[]> firstMoments() {
    return m;
  }

  public Map<String, float[]> secondMoments() {
    return v;
  }

  /** Restores the state saved by a checkpoint. */
  public void restore(long steps, Map<String, float[]> first, Map<String, float[]> second) {
    this.steps = steps;
    m.clear();
    v.clear();
    first.forEach((k, x) -> m.put(k, x.clone()));
    second.forEach((k, x) -> v.put(k, x.clone()));
  }

  /** One step at learning rate {@code lr}: updates {@code params} in place. */
  public void step(Map<String, float[]> params, Map<String, float[]> grads, double lr) {
    steps++;
    double c1 = 1 - Math.pow(s.beta1(), steps);
    double c2 = 1 - Math.pow(s.beta2(), steps);
    for (Map.Entry<String, float[]> e : params.entrySet()) {
      float[] p = e.getValue();
      float[] g = grads.get(e.getKey());
      if (g == null) {
        throw new IllegalArgumentException("no gradient for " + e.getKey());
      }
      float[] mm = m.computeIfAbsent(e.getKey(), k -> new float[p.length]);
      float[] vv = v.computeIfAbsent(e.getKey(), k -> new float[p.length]);
      for (int i = 0; i < p.length; i++) {
        mm[i] = (float) (s.beta1() * mm[i] + (1 - s.beta1()) * g[i]);
        vv[i] = (float) (s.beta2() * vv[i] + (1 - s.beta2()) * g[i] * (double) g[i]);
        double decayed = p[i] * (1 - lr * s.weightDecay());
        double denom = Math.sqrt(vv[i]) / Math.sqrt(c2) + s.eps();
        p[i] = (float) (decayed - lr / c1 * mm[i] / denom);
      }
    }
  }

  /**
   * Scales {@code grads} in place so that their global L2 norm is at most {@code maxNorm}, as
   * {@code torch.nn.utils.clip_grad_norm_} does; returns the norm before clipping.
   */
  public static double clipByGlobalNorm(Map<String, float[]> grads, double maxNorm) {
    double sum = 0;
    for (float[] g : grads.values()) {
      for (float x : g) {
        sum += (double) x * x;
      }
    }
    double norm = Math.sqrt(sum);
    double coef = maxNorm / (norm + 1e-6);
    if (maxNorm > 0 && coef < 1) {
      for (float[] g : grads.values()) {
        for (int i = 0; i < g.length; i++) {
          g[i] = (float) (g[i] * coef);
        }
      }
    }
    return norm;
  }
}
