package dev.batchlm.train;

import dev.batchlm.nn.LoraAdapter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Computes the gradients of a share of a training step: its examples (a packed row's apart) in
 * micro-batches (the memory unit; accumulated), each padded to a length bucket so that few graph
 * shapes are built. One worker per thread: its graphs hold the parameters being differentiated; the
 * base weights are shared.
 */
public final class LoraWorker {
  static final int LENGTH_STEP = 16; // the smallest bucket

  private final BaseWeights base;
  private final int microBatch;
  private final double dropout;
  private final Map<Integer, LoraGraph> graphs = new HashMap<>(); // by length bucket

  public LoraWorker(BaseWeights base, int microBatch, double dropout) {
    this.base = base;
    this.microBatch = microBatch;
    this.dropout = dropout;
  }

  /** A sequence and its position in the epoch's order (which seeds its dropout masks). */
  public record Indexed(long index, Sequence sequence) implements java.io.Serializable {}

  /**
   * Gradients of {@code share} at parameters {@code params}, each token's loss weighted by {@code 1
   * / stepTokens} (the trained tokens of the whole step; 1: sums).
   */
  public Gradients gradients(
      LoraAdapter params, List<Indexed> share, long stepTokens, long seed, long step) {
    Gradients sum = Gradients.NONE;
    for (List<Piece> micro : chunks(pieces(share, seed, step))) {
      long t0 = System.nanoTime();
      LoraGraph g = graph(params, paddedLength(micro));
      long[] seeds = micro.stream().mapToLong(Piece::dropoutSeed).toArray();
      LoraGraph.Step r = g.step(batch(g, micro, stepTokens, seeds));
      Map<String, float[]> grads = new LinkedHashMap<>();
      r.gradients().forEach((k, v) -> grads.put(k, v.castTo(DataType.FLOAT).data().asFloat()));
      long tokens = micro.stream().mapToLong(x -> x.example().trainedTokens()).sum();
      sum = sum.plus(new Gradients(grads, r.loss(), tokens, (System.nanoTime() - t0) / 1e9));
    }
    return sum;
  }

  /** The summed token cross-entropy of {@code rows} and their trained tokens (no dropout). */
  public double[] lossSum(LoraAdapter params, List<Sequence> rows) {
    double loss = 0;
    long tokens = 0;
    List<Piece> examples = new ArrayList<>();
    rows.forEach(r -> r.examples().forEach(e -> examples.add(new Piece(e, 0))));
    for (List<Piece> micro : chunks(examples)) {
      LoraGraph g = graph(params, paddedLength(micro));
      loss += g.loss(batch(g, micro, 1, null));
      tokens += micro.stream().mapToLong(x -> x.example().trainedTokens()).sum();
    }
    return new double[] {loss, tokens};
  }

  /** One example of a row, and the seed of its dropout masks (the same wherever it is computed). */
  private record Piece(Sequence example, long dropoutSeed) {}

  /** The rows' examples, packed ones apart ({@link Sequence#examples}). */
  private static List<Piece> pieces(List<Indexed> rows, long seed, long step) {
    List<Piece> out = new ArrayList<>();
    for (Indexed row : rows) {
      List<Sequence> examples = row.sequence().examples();
      for (int e = 0; e < examples.size(); e++) {
        out.add(new Piece(examples.get(e), mix(seed, step, row.index()) + e));
      }
    }
    return out;
  }

  private LoraGraph.Batch batch(LoraGraph g, List<Piece> micro, long stepTokens, long[] seeds) {
    return Batches.of(
        base,
        g,
        microBatch, // a short last chunk is padded with empty rows: one graph per length
        g.length(),
        micro.stream().map(Piece::example).toList(),
        stepTokens,
        seeds == null ? 0 : dropout,
        seeds);
  }

  /** The graph of this length (built at first need), holding {@code params}. */
  private LoraGraph graph(LoraAdapter params, int length) {
    LoraGraph g =
        graphs.computeIfAbsent(
            length, k -> new LoraGraph(base, params, microBatch, length, dropout > 0));
    g.setParameters(params);
    return g;
  }

  private List<List<Piece>> chunks(List<Piece> rows) {
    List<List<Piece>> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i += microBatch) {
      out.add(rows.subList(i, Math.min(rows.size(), i + microBatch)));
    }
    return out;
  }

  /**
   * The micro-batch's length rounded up to a bucket (16, 24, 32, 48, 64, …: powers of two and
   * halfway between), so that a night's examples need a handful of graphs: each new shape costs a
   * graph and its gradient function, seconds on a small model.
   */
  static int paddedLength(List<Piece> micro) {
    int longest = micro.stream().mapToInt(x -> x.example().length()).max().orElse(1);
    int bucket = LENGTH_STEP;
    while (bucket < longest) {
      bucket = Integer.bitCount(bucket) == 1 ? bucket + bucket / 2 : bucket / 3 * 4;
    }
    return bucket;
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
