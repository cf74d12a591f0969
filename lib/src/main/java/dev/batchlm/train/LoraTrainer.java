package dev.batchlm.train;

import dev.batchlm.nn.LoraAdapter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The driver's side of training: the current LoRA parameters and the optimizer. Each step takes the
 * summed {@link Gradients} of the step's shares (computed wherever), clips them by global norm, and
 * applies AdamW at the scheduled learning rate.
 */
public final class LoraTrainer {
  /** What a step did: the batch's loss, the rate, the gradient norm before clipping, tokens. */
  public record StepLog(
      long step, double loss, double learningRate, double gradNorm, long tokens) {}

  private final LoraAdapter.Settings settings;
  private final Map<String, float[]> params = new LinkedHashMap<>();
  private final AdamW optimizer;
  private final LearningRate schedule;
  private final double maxGradNorm;

  public LoraTrainer(
      LoraAdapter initial, AdamW optimizer, LearningRate schedule, double maxGradNorm) {
    this.settings = initial.settings();
    this.optimizer = optimizer;
    this.schedule = schedule;
    this.maxGradNorm = maxGradNorm;
    params.putAll(named(initial));
  }

  /** The adapter's matrices by their graph variable names ({@code lora.<layer>.<module>.A}). */
  private static Map<String, float[]> named(LoraAdapter adapter) {
    Map<String, float[]> out = new LinkedHashMap<>();
    adapter
        .pairs()
        .forEach(
            (key, p) -> {
              String[] parts = key.split("\\.");
              int l = Integer.parseInt(parts[1]);
              out.put(LoraGraph.variable(l, parts[2], "A"), p.a().clone());
              out.put(LoraGraph.variable(l, parts[2], "B"), p.b().clone());
            });
    return out;
  }

  public AdamW optimizer() {
    return optimizer;
  }

  /** One optimizer step with the step's summed gradients. */
  public StepLog step(Gradients g) {
    long step = optimizer.steps();
    Map<String, float[]> grads = new LinkedHashMap<>();
    g.byName().forEach((k, v) -> grads.put(k, v.clone()));
    double norm = AdamW.clipByGlobalNorm(grads, maxGradNorm);
    double lr = schedule.at(step);
    optimizer.step(params, grads, lr);
    return new StepLog(step, g.loss(), lr, norm, g.tokens());
  }

  /** The parameters now, as an adapter (copies). */
  public LoraAdapter adapter() {
    Map<String, LoraAdapter.Pair> pairs = new LinkedHashMap<>();
    params.forEach(
        (name, a) -> {
          if (name.endsWith(".A")) {
            String[] parts = name.split("\\.");
            String b = name.substring(0, name.length() - 1) + "B";
            pairs.put(
                LoraAdapter.key(Integer.parseInt(parts[1]), parts[2]),
                new LoraAdapter.Pair(a.clone(), params.get(b).clone()));
          }
        });
    return new LoraAdapter(settings, pairs);
  }

  /** Replaces the parameters (a checkpoint's). */
  public void restore(LoraAdapter adapter) {
    params.clear();
    params.putAll(named(adapter));
  }
}
