package dev.batchlm.train;

import dev.batchlm.nn.LoraAdapter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Computes the gradients of a share of a training step: its sequences in micro-batches (the memory
 * unit; accumulated), each padded to a multiple of {@link #LENGTH_STEP} tokens so that few graph
 * shapes are built. One worker per thread: its graphs hold the parameters being differentiated; the
 * base weights are shared.
 */
public final class LoraWorker {
  static final int LENGTH_STEP = 16;

  private final BaseWeights base;
  private final int microBatch;
  private final double dropout;
  private final Map<Long, LoraGraph> graphs = new HashMap<>();
  private LoraAdapter shapeOf; // the adapter whose matrices the graphs were built for

  public LoraWorker(BaseWeights base, int microBatch, double dropout) {
    this.base = base;
    this.microBatch = microBatch;
    this.dropout = dropout;
  }

  /** A sequence and its index in the step's global batch (which seeds its dropout masks). */
  public record Indexed(long index, Sequence sequence) {}

  /**
   * Gradients of {@code share} at parameters {@code params}, the loss weighted by {@code 1 /
   * stepTokens} (the trained tokens of the whole step).
   */
  public Gradients gradients(
      LoraAdapter params, List<Indexed> share, long stepTokens, long seed, long step) {
    Gradients sum = Gradients.NONE;
    for (List<Indexed> micro : chunks(share)) {
      LoraGraph g = graph(params, micro.size(), paddedLength(micro));
      g.setParameters(params);
      long[] rowSeeds = micro.stream().mapToLong(x -> mix(seed, step, x.index())).toArray();
      LoraGraph.Step r = g.step(batch(g, micro, stepTokens, rowSeeds));
      Map<String, float[]> grads = new LinkedHashMap<>();
      r.gradients()
          .forEach(
              (k, v) ->
                  grads.put(
                      k, v.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat()));
      long tokens = micro.stream().mapToLong(x -> x.sequence().trainedTokens()).sum();
      sum = sum.plus(new Gradients(grads, r.loss(), tokens));
    }
    return sum;
  }

  /** The summed token cross-entropy of {@code rows} and their trained tokens (no dropout). */
  public double[] lossSum(LoraAdapter params, List<Sequence> rows) {
    double loss = 0;
    long tokens = 0;
    List<Indexed> indexed = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      indexed.add(new Indexed(i, rows.get(i)));
    }
    for (List<Indexed> micro : chunks(indexed)) {
      LoraGraph g = graph(params, micro.size(), paddedLength(micro));
      g.setParameters(params);
      loss += g.loss(batch(g, micro, 1, null));
      tokens += micro.stream().mapToLong(x -> x.sequence().trainedTokens()).sum();
    }
    return new double[] {loss, tokens};
  }

  private LoraGraph.Batch batch(LoraGraph g, List<Indexed> micro, long stepTokens, long[] seeds) {
    return Batches.of(
        base,
        g,
        micro.size(),
        g.length(),
        micro.stream().map(Indexed::sequence).toList(),
        stepTokens,
        seeds == null ? 0 : dropout,
        seeds);
  }

  private LoraGraph graph(LoraAdapter params, int rows, int length) {
    if (shapeOf == null) {
      shapeOf = params;
    }
    return graphs.computeIfAbsent(
        ((long) rows << 32) | length, k -> new LoraGraph(base, shapeOf, rows, length, dropout > 0));
  }

  private List<List<Indexed>> chunks(List<Indexed> rows) {
    List<List<Indexed>> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i += microBatch) {
      out.add(rows.subList(i, Math.min(rows.size(), i + microBatch)));
    }
    return out;
  }

  private static int paddedLength(List<Indexed> micro) {
    int longest = micro.stream().mapToInt(x -> x.sequence().length()).max().orElse(1);
    return (longest + LENGTH_STEP - 1) / LENGTH_STEP * LENGTH_STEP;
  }

  /** A seed for one row of one step: the same wherever the row is computed. */
  static long mix(long seed, long step, long index) {
    long h = seed * 0x9E3779B97F4A7C15L + step;
    h = h * 0xBF58476D1CE4E5B9L + index;
    return h ^ (h >>> 31);
  }

  static Random rowRandom(long seed, String name) {
    return new Random(seed ^ name.hashCode());
  }
}
