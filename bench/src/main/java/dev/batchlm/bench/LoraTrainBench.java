package dev.batchlm.bench;

import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.train.BaseWeights;
import dev.batchlm.train.LoraWorker;
import dev.batchlm.train.Sequence;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * LoRA training speed of one task (forward + backward of a micro-batch, as {@link LoraWorker} runs
 * it on an executor) on a SmolLM-135M-shaped random checkpoint, against the GEMM roofline measured
 * in the same run: the ideal LoRA step costs the forward's FLOPs twice (the forward, and the
 * backward's input gradients; the frozen weights need no gradient), so the roofline is the GEMM
 * rate over those FLOPs per token. Also the forward alone (what the backward adds) and the peak
 * memory.
 *
 * <p>Usage: {@code LoraTrainBench [sequence length, default 512] [rows per micro-batch, default 1]
 * [checkpoint folder, default a random SmolLM-135M-shaped one]}.
 */
public final class LoraTrainBench {
  private LoraTrainBench() {}

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    int length = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    int rows = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    Path dir =
        args.length > 2
            ? Path.of(args[2])
            : Path.of(System.getProperty("java.io.tmpdir"), "smollm-135m-random");
    if (!Files.exists(dir.resolve("model.safetensors"))) {
      DecoderBench.writeCheckpoint(dir, DecoderBench.LAYERS);
    }
    BaseWeights base;
    try (Checkpoint c = Checkpoint.open(dir)) {
      base = new BaseWeights(c, DataType.FLOAT);
    }
    LlamaConfig cfg = base.config();
    int d = cfg.headDim();
    long matmulParams =
        (long) cfg.layers()
                * ((long) cfg.hiddenSize() * cfg.heads() * d * 2
                    + (long) cfg.hiddenSize() * cfg.kvHeads() * d * 2
                    + 3L * cfg.hiddenSize() * cfg.intermediateSize())
            + (long) cfg.hiddenSize() * cfg.vocabSize();
    // per token: 2 FLOPs per matmul weight, and the dense attention's q·kᵀ and p·v over the row
    double forwardFlops = 2.0 * matmulParams + 4.0 * length * cfg.heads() * d * cfg.layers();
    double gemm = DecoderBench.gemmFlopsPerSecond();
    double roofline = gemm / (2 * forwardFlops);
    System.out.printf(
        "Java %s, %d cores; model %d layers, %.1fM weights in matmuls; sequence %d, %d row(s)%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        cfg.layers(),
        matmulParams / 1e6,
        length,
        rows);
    System.out.printf(
        "GEMM roofline %.1f GFLOP/s (2048³): an ideal LoRA step (2 × %.2f GFLOP per token) runs"
            + " at most %.0f tokens/s%n",
        gemm / 1e9, forwardFlops / 1e9, roofline);

    LoraAdapter.Settings lora =
        new LoraAdapter.Settings(8, 16, 0.05, List.of("q_proj", "v_proj"), false, "bench");
    LoraAdapter adapter = LoraAdapter.initialized(lora, cfg, 1);
    LoraWorker worker = new LoraWorker(base, rows, lora.dropout());
    Random rnd = new Random(7);
    List<LoraWorker.Indexed> batch = new ArrayList<>();
    List<Sequence> plain = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      int[] ids = new int[length];
      for (int t = 0; t < length; t++) {
        ids[t] = rnd.nextInt(cfg.vocabSize());
      }
      Sequence s = Sequence.of(ids, ids.clone());
      batch.add(new LoraWorker.Indexed(r, s));
      plain.add(s);
    }
    long tokens = (long) rows * length;

    long t0 = System.nanoTime();
    worker.gradients(adapter, batch, 1, 1, 0); // builds the graph and its gradient function
    double first = (System.nanoTime() - t0) / 1e9;
    List<Long> resident = new ArrayList<>();
    double step =
        best(
            5,
            () -> {
              worker.gradients(adapter, batch, 1, 1, 1);
              resident.add(Pointer.physicalBytes() >> 20);
            });
    double forward = best(3, () -> worker.lossSum(adapter, plain));
    System.out.printf(
        "first step (graph and gradient function built) %.1f s; then a step (forward + backward)"
            + " %.2f s = %.0f tokens/s = %.1f%% of the roofline%n",
        first, step, tokens / step, 100 * tokens / step / roofline);
    System.out.printf(
        "forward alone %.2f s = %.0f tokens/s: the backward adds %.2f× the forward (ideal for"
            + " LoRA: 1×; M2.1's matmul backward also computes the frozen weights' gradients)%n",
        forward, tokens / forward, (step - forward) / forward);
    double frozen = frozenWeightGradients(cfg, tokens);
    System.out.printf(
        "the frozen weights' gradients (M2.1's matmul backward computes them and they are thrown"
            + " away): %.2f s of each step = %.0f%%, timed as the same GEMMs alone%n",
        frozen, 100 * frozen / step);
    System.out.printf(
        "peak RSS %d MB; resident after each of the timed steps %s MB; JavaCPP physical bytes now"
            + " %d MB%n",
        FtPrepBench.peakRssKb() >> 10, resident, Pointer.physicalBytes() >> 20);
    System.exit(0);
  }

  /**
   * The time of the weight-gradient GEMMs ({@code dYᵀ·X}) of every frozen projection and the
   * output, each shape timed once (best of 3) and counted per layer.
   */
  private static double frozenWeightGradients(LlamaConfig c, long tokens) {
    int h = c.hiddenSize();
    int q = c.heads() * c.headDim();
    int kv = c.kvHeads() * c.headDim();
    int[][] perLayer = {
      {q, h},
      {kv, h},
      {kv, h},
      {h, q},
      {c.intermediateSize(), h},
      {c.intermediateSize(), h},
      {h, c.intermediateSize()}
    };
    double total = 0;
    for (int[] shape : perLayer) {
      total += c.layers() * weightGradient(tokens, shape[0], shape[1]);
    }
    return total + weightGradient(tokens, c.vocabSize(), h);
  }

  private static double weightGradient(long tokens, int out, int in) {
    INDArray dy = Nd4j.rand(DataType.FLOAT, tokens, out);
    INDArray x = Nd4j.rand(DataType.FLOAT, tokens, in);
    INDArray dw = Nd4j.create(DataType.FLOAT, out, in);
    return best(3, () -> Nd4j.gemm(dy, x, dw, true, false, 1.0, 0.0));
  }

  /** The shortest of {@code runs} timings, in seconds. */
  static double best(int runs, Runnable r) {
    double best = Double.MAX_VALUE;
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      r.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return best;
  }
}
