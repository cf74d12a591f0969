package dev.batchlm.train;

import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.nn.LoraAdapter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward pass of {@link dev.batchlm.nn.LlamaDecoder} as a SameDiff graph for one batch shape,
 * with LoRA on the target projections ({@code x·Wᵀ + s·(dropout(x)·Aᵀ)·Bᵀ}, as PEFT computes it)
 * and a token cross-entropy loss, so that autodiff gives the gradients of the LoRA matrices. Base
 * weights are constants shared with every other graph ({@link BaseWeights}); only A and B are
 * variables.
 *
 * <p>Built from the ops docs/dl4j-notes.md found correct, each gradient-checked in double precision
 * in the tests: RMSNorm composed, rotate-half as a product with a fixed matrix (no slices),
 * attention from batched matmul, softmax and an additive mask fed from outside (causal, per packed
 * example, padding), and the loss as {@code logSoftmax × oneHot}, never the built-in sparse
 * cross-entropy whose backprop is wrong. Embeddings are looked up outside the graph ({@code
 * gather}'s backprop fails in M2.1; they are frozen anyway).
 *
 * <p>The loss is {@code −Σ w_t·log p(target_t)} with {@link Batch#lossWeights} set by the caller:
 * {@code 1/N} for the N trained tokens of the whole global batch, or 1 (sums, divided by N once the
 * shares are added): either way the gradients of several tasks' shares add up to the batch's.
 */
public final class LoraGraph {
  static final String EMBEDDED = "embedded";
  static final String COS = "cos";
  static final String SIN = "sin";
  static final String MASK = "mask";
  static final String TARGETS = "targets";
  static final String LOSS_WEIGHTS = "loss_weights";
  static final String LOGITS = "logits";
  static final String LOSS = "loss";

  static {
    SameDiffOutput.quiet();
  }

  private final SameDiff sd = SameDiff.create();
  private final LlamaConfig c;
  private final LoraAdapter.Settings lora;
  private final int batch;
  private final int length;
  private final List<String> variables = new ArrayList<>();
  private final Map<String, SDVariable> dropoutMasks = new HashMap<>();

  /**
   * @param initial the starting A and B of every targeted projection (their shapes fix the graph)
   * @param withDropout adds a mask placeholder per targeted projection (fed by {@link Batch})
   */
  public LoraGraph(
      BaseWeights base, LoraAdapter initial, int batch, int length, boolean withDropout) {
    this.c = base.config();
    this.lora = initial.settings();
    this.batch = batch;
    this.length = length;
    DataType dt = base.type();
    int n = batch * length;
    int h = c.hiddenSize();
    int d = c.headDim();
    SDVariable x = sd.placeHolder(EMBEDDED, dt, n, h);
    SDVariable cos = sd.placeHolder(COS, dt, n, 1, d);
    SDVariable sin = sd.placeHolder(SIN, dt, n, 1, d);
    SDVariable mask = sd.placeHolder(MASK, dt, batch, 1, (long) groups() * length, length);
    SDVariable rotateHalf = sd.constant("rotate_half", rotateHalf(d, dt));
    for (int l = 0; l < c.layers(); l++) {
      for (String module : LoraAdapter.MODULES) {
        sd.constant(LoraAdapter.modulePath(l, module), base.get(proj(l, module)));
        LoraAdapter.Pair pair = initial.pair(l, module);
        if (pair != null) {
          addLoraVariables(l, module, pair, dt, withDropout, n);
        }
      }
      SDVariable normed = rmsNorm(x, base.get("layers." + l + ".input_layernorm.weight"), l, "in");
      SDVariable q = project(normed, l, "q_proj", base);
      SDVariable k = project(normed, l, "k_proj", base);
      SDVariable v = project(normed, l, "v_proj", base);
      SDVariable q4 = heads(rope(q, c.heads(), cos, sin, rotateHalf), c.heads());
      SDVariable k4 = heads(rope(k, c.kvHeads(), cos, sin, rotateHalf), c.kvHeads());
      SDVariable v4 = heads(v, c.kvHeads());
      // the query heads sharing a key/value head as rows: [batch, kvHeads, group * length, d]
      SDVariable grouped = sd.reshape(q4, batch, c.kvHeads(), (long) groups() * length, d);
      SDVariable scores =
          sd.mmul(grouped, k4, false, true, false).mul(1.0 / Math.sqrt(d)).add(mask);
      SDVariable probs = sd.nn.softmax(scores, 3);
      SDVariable context =
          sd.reshape(
              sd.permute(sd.reshape(sd.mmul(probs, v4), batch, c.heads(), length, d), 0, 2, 1, 3),
              n,
              (long) c.heads() * d);
      x = x.add(project(context, l, "o_proj", base));
      SDVariable n2 =
          rmsNorm(x, base.get("layers." + l + ".post_attention_layernorm.weight"), l, "post");
      SDVariable gate = project(n2, l, "gate_proj", base);
      SDVariable up = project(n2, l, "up_proj", base);
      SDVariable act = sd.nn.sigmoid(gate).mul(gate).mul(up);
      x = x.add(project(act, l, "down_proj", base));
    }
    SDVariable hidden = rmsNorm(x, base.get("norm.weight"), -1, "final");
    SDVariable logits =
        sd.mmul(LOGITS, hidden, sd.constant("output", base.output()), false, true, false);
    SDVariable targets = sd.placeHolder(TARGETS, DataType.INT, n);
    SDVariable weights = sd.placeHolder(LOSS_WEIGHTS, dt, n);
    SDVariable logProbs = sd.nn.logSoftmax(logits);
    SDVariable picked = logProbs.mul(sd.oneHot(targets, c.vocabSize(), -1, 1.0, 0.0, dt)).sum(1);
    picked.mul(weights).sum().neg().rename(LOSS);
    sd.setLossVariables(LOSS);
  }

  /** The variables' names: {@code lora.<layer>.<module>.A} and {@code .B}, in graph order. */
  public List<String> variables() {
    return variables;
  }

  static String variable(int layer, String module, String matrix) {
    return "lora." + layer + "." + module + "." + matrix;
  }

  /** The current values of a variable (the array itself: writes change the graph). */
  INDArray parameter(String name) {
    return sd.getVariable(name).getArr();
  }

  /** Sets every A and B to {@code adapter}'s values (what the driver broadcast this step). */
  public void setParameters(LoraAdapter adapter) {
    adapter
        .pairs()
        .forEach(
            (key, pair) -> {
              String[] parts = key.split("\\.");
              int l = Integer.parseInt(parts[1]);
              assign(variable(l, parts[2], "A"), pair.a());
              assign(variable(l, parts[2], "B"), pair.b());
            });
  }

  private void assign(String name, float[] values) {
    INDArray arr = sd.getVariable(name).getArr();
    arr.assign(Nd4j.createFromArray(values).castTo(arr.dataType()).reshape(arr.shape()));
  }

  /** The logits of a batch, {@code [batch·length, vocab]}. */
  public INDArray logits(Batch b) {
    return run(() -> sd.output(b.feeds(), LOGITS).get(LOGITS).dup());
  }

  /** The loss of a batch (weighted as {@link Batch#lossWeights} say). */
  public double loss(Batch b) {
    return run(() -> sd.output(b.feeds(), LOSS).get(LOSS).getDouble(0));
  }

  /** The loss and the gradient of every variable. */
  public Step step(Batch b) {
    return run(
        () -> {
          OutAndGrad r = sd.calculateGradientsAndOutputs(b.feeds(), List.of(LOSS), variables);
          Map<String, INDArray> gradients = new HashMap<>();
          r.getGradients().forEach((name, g) -> gradients.put(name, g.dup()));
          return new Step(r.getOutputs().get(LOSS).getDouble(0), gradients);
        });
  }

  /**
   * Runs the graph and keeps what it leaves bounded: what {@code work} returns must be copied out
   * of the sessions' arrays, which are freed after it ({@link #closeSessions}, {@link
   * OffHeapGarbage}).
   */
  private <T> T run(Supplier<T> work) {
    OffHeapGarbage.before();
    T result = work.get();
    closeSessions();
    OffHeapGarbage.after();
    return result;
  }

  /**
   * Frees what the graph's sessions hold once a run is done. SameDiff keeps a session per thread
   * for the forward and one for the gradient function, each holding its last run's arrays and a
   * cache of released ones (up to a quarter of JavaCPP's limit): with a graph per length bucket and
   * task thread, a long sequence's attention arrays filled the machine (17 GB resident for the
   * demo). A fresh session per run costs little next to a step.
   */
  private void closeSessions() {
    SameDiff grad = sd.getFunction("grad");
    for (SameDiff f : grad == null ? List.of(sd) : List.of(sd, grad)) {
      f.getSessions().values().forEach(s -> s.getMmgr().close());
      f.getSessions().clear();
    }
  }

  /** What one forward and backward pass gave. */
  public record Step(double loss, Map<String, INDArray> gradients) {}

  /** The placeholders' values of one batch. */
  public record Batch(
      INDArray embedded,
      INDArray cos,
      INDArray sin,
      INDArray mask,
      INDArray targets,
      INDArray lossWeights,
      Map<String, INDArray> dropoutMasks) {
    Map<String, INDArray> feeds() {
      Map<String, INDArray> f = new HashMap<>(dropoutMasks);
      f.put(EMBEDDED, embedded);
      f.put(COS, cos);
      f.put(SIN, sin);
      f.put(MASK, mask);
      f.put(TARGETS, targets);
      f.put(LOSS_WEIGHTS, lossWeights);
      return f;
    }
  }

  int length() {
    return length;
  }

  /** Query heads per key/value head. */
  int groups() {
    return c.heads() / c.kvHeads();
  }

  /** The dropout mask placeholders by name, with the width of the projection's input. */
  Map<String, Long> dropoutShapes() {
    Map<String, Long> out = new HashMap<>();
    dropoutMasks.forEach((name, v) -> out.put(name, v.getShape()[1]));
    return out;
  }

  private void addLoraVariables(
      int l, String module, LoraAdapter.Pair pair, DataType dt, boolean withDropout, int n) {
    int[] shape = LoraAdapter.shape(c, module);
    int r = lora.rank();
    String a = variable(l, module, "A");
    String b = variable(l, module, "B");
    sd.var(a, Nd4j.createFromArray(pair.a()).castTo(dt).reshape(r, shape[1]));
    sd.var(b, Nd4j.createFromArray(pair.b()).castTo(dt).reshape(shape[0], r));
    variables.add(a);
    variables.add(b);
    if (withDropout) {
      String name = "dropout." + l + "." + module;
      dropoutMasks.put(name, sd.placeHolder(name, dt, n, shape[1]));
    }
  }

  /** {@code x·Wᵀ (+ bias) + s·(dropout(x)·Aᵀ)·Bᵀ}. */
  private SDVariable project(SDVariable x, int l, String module, BaseWeights base) {
    SDVariable y =
        sd.mmul(x, sd.getVariable(LoraAdapter.modulePath(l, module)), false, true, false);
    if (c.attentionBias() && LoraAdapter.MODULES.indexOf(module) < 3) {
      String bias = LoraAdapter.modulePath(l, module) + ".bias";
      y = y.add(sd.constant(bias, base.get(bias)));
    }
    SDVariable a = sd.getVariable(variable(l, module, "A"));
    if (a == null) {
      return y;
    }
    SDVariable in = x;
    SDVariable drop = dropoutMasks.get("dropout." + l + "." + module);
    if (drop != null) {
      in = x.mul(drop);
    }
    SDVariable low = sd.mmul(in, a, false, true, false);
    SDVariable delta = sd.mmul(low, sd.getVariable(variable(l, module, "B")), false, true, false);
    return y.add(delta.mul(lora.scaling()));
  }

  /** {@code x · rsqrt(mean(x²) + eps) · g}, row-wise. */
  private SDVariable rmsNorm(SDVariable x, INDArray gain, int layer, String which) {
    SDVariable g = sd.constant("norm." + layer + "." + which, gain);
    SDVariable inv = sd.math.rsqrt(sd.math.square(x).mean(true, 1).add(c.rmsNormEps()));
    return x.mul(inv).mul(g);
  }

  /** Rotary embedding of {@code [n, heads·d]}: {@code x·cos + rotate_half(x)·sin} per head. */
  private SDVariable rope(
      SDVariable x, int heads, SDVariable cos, SDVariable sin, SDVariable rotateHalf) {
    int n = batch * length;
    int d = c.headDim();
    SDVariable perHead = sd.reshape(x, n, heads, d);
    SDVariable rotated =
        sd.reshape(sd.mmul(sd.reshape(x, (long) n * heads, d), rotateHalf), n, heads, d);
    return sd.reshape(perHead.mul(cos).add(rotated.mul(sin)), n, (long) heads * d);
  }

  /** {@code [batch·length, heads·d]} to {@code [batch, heads, length, d]}. */
  private SDVariable heads(SDVariable x, int heads) {
    return sd.permute(sd.reshape(x, batch, length, heads, c.headDim()), 0, 2, 1, 3);
  }

  /** R with {@code x·R = cat(−x₂, x₁)} (HF's rotate_half), so rotation needs no slicing. */
  static INDArray rotateHalf(int d, DataType dt) {
    double[][] r = new double[d][d];
    int half = d / 2;
    for (int j = 0; j < half; j++) {
      r[j + half][j] = -1;
      r[j][j + half] = 1;
    }
    return Nd4j.createFromArray(r).castTo(dt);
  }

  private static String proj(int l, String module) {
    return LoraAdapter.modulePath(l, module) + ".weight";
  }
}
