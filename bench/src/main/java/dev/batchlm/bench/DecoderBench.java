package dev.batchlm.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.Generator;
import dev.batchlm.nn.Linear;
import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.nn.LlamaDecoder;
import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.nn.Safetensors;
import dev.batchlm.nn.Sampler;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BinaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Speed of the local decoder on a SmolLM-135M-shaped random checkpoint (hidden 576, 30 layers, 9
 * heads over 3 KV heads, intermediate 1536, vocab 49152, tied embeddings), each number against its
 * roofline measured in the same run: decoding at batch 1 reads every weight once per token, so its
 * bound is weight bytes per token over the measured memory bandwidth (an ND4J sum over 1 GiB);
 * prefill and batch-32 decoding are bound by FLOPs over the measured GEMM rate (ND4J 2048³ mmul).
 * The projections alone (every weight matrix, nothing around them) show how much of a step is
 * ND4J's work between them. Then continuous batching ({@link Generator} with 8 slots) against one
 * sequence at a time on the same ragged requests.
 *
 * <p>Usage: {@code DecoderBench [checkpoint dir, written when missing] [adapters: only merged vs
 * unmerged adapters]}.
 */
public final class DecoderBench {
  static final int HIDDEN = 576;
  static final int LAYERS = 30;
  static final int HEADS = 9;
  static final int KV_HEADS = 3;
  static final int FFN = 1536;
  static final int VOCAB = 49152;
  static final int PROMPT = 128;
  static final int DECODE_STEPS = 32;
  static final int[] FLOOR_ROWS = {1, 4, 8, 32};

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    Path dir =
        args.length > 0
            ? Path.of(args[0])
            : Path.of(System.getProperty("java.io.tmpdir"), "smollm-135m-random");
    String mode = args.length > 1 ? args[1] : "speed";
    if (!Files.exists(dir.resolve("model.safetensors"))) {
      // the memory run's model is SmolLM's shape with 4 layers: as many ops per layer, 10× faster
      writeCheckpoint(dir, mode.equals("memory") ? 4 : LAYERS);
    }
    if (mode.equals("checkpoint")) { // only the checkpoint, for llama.cpp
      System.exit(0);
    }
    LlamaDecoder decoder;
    try (Checkpoint c = Checkpoint.open(dir)) {
      decoder = new LlamaDecoder(c);
    }
    if (mode.equals("memory")) {
      memory(decoder, args.length > 2 ? Integer.parseInt(args[2]) : 10_000);
      System.exit(0);
    }
    if (mode.equals("adapters")) { // only merged vs unmerged adapters
      adapters(dir, decoder);
      System.exit(0);
    }
    LlamaConfig cfg = decoder.config();
    int d = cfg.headDim();
    long blockParams =
        (long) HIDDEN * (HEADS * d) * 2 + (long) HIDDEN * (KV_HEADS * d) * 2 + 3L * HIDDEN * FFN;
    long matmulParams = blockParams * LAYERS; // per token, without the output projection
    long headParams = (long) HIDDEN * VOCAB;
    System.out.printf(
        "model: %d layers, %.1fM weights in matmuls (+%.1fM output projection), FP32%n",
        LAYERS, matmulParams / 1e6, headParams / 1e6);

    double bandwidth = bandwidthBytesPerSecond();
    double gemm = gemmFlopsPerSecond();
    System.out.printf(
        "rooflines: memory bandwidth %.1f GB/s (the best of an ND4J sum over 1 GiB and every core"
            + " reading its share of 1 GiB), GEMM %.1f GFLOP/s (2048³)%n",
        bandwidth / 1e9, gemm / 1e9);

    double[][] floor = projectionFloor(d);
    System.out.printf(
        "projections alone (every weight matrix of the model, x·Wᵀ), Vector API %s:%n",
        Linear.vectorized() ? "on" : "off (run with --add-modules=jdk.incubator.vector)");
    for (int i = 0; i < FLOOR_ROWS.length; i++) {
      System.out.printf(
          "  %2d rows: ND4J/OpenBLAS %6.1f ms (%5.1f GB/s, %5.1f GFLOP/s), as the decoder runs"
              + " them (nn.Linear) %6.1f ms (%5.1f GB/s, %5.1f GFLOP/s)%n",
          FLOOR_ROWS[i],
          floor[i][0] * 1e3,
          4.0 * (matmulParams + headParams) / floor[i][0] / 1e9,
          FLOOR_ROWS[i] * 2.0 * (matmulParams + headParams) / floor[i][0] / 1e9,
          floor[i][1] * 1e3,
          4.0 * (matmulParams + headParams) / floor[i][1] / 1e9,
          FLOOR_ROWS[i] * 2.0 * (matmulParams + headParams) / floor[i][1] / 1e9);
    }

    Random rnd = new Random(1);
    for (int batch : new int[] {1, 8, 32}) {
      int[][] prompts = new int[batch][PROMPT];
      for (int[] p : prompts) {
        for (int i = 0; i < p.length; i++) {
          p[i] = rnd.nextInt(VOCAB);
        }
      }
      LlamaDecoder.KvCache cache = decoder.newCache(batch, PROMPT + DECODE_STEPS + 1);
      if (batch == 1) { // warm up ND4J's kernels, allocations and the JIT (the Vector API) once
        decoder.lastLogits(prompts, 0, cache);
        for (int s = 0; s < DECODE_STEPS; s++) {
          decoder.lastLogits(new int[][] {{s}}, 0, cache);
        }
        cache = decoder.newCache(batch, PROMPT + DECODE_STEPS + 1);
      }
      long t0 = System.nanoTime();
      INDArray logits = decoder.lastLogits(prompts, 0, cache);
      double prefillSeconds = (System.nanoTime() - t0) / 1e9;
      // attention: scores and weighted sum, 2 · 2 · positions seen · heads · d per token and layer
      double prefillFlops =
          batch
              * (2.0 * PROMPT * matmulParams
                  + 2.0 * headParams
                  + LAYERS * 4.0 * HEADS * d * (PROMPT * (PROMPT + 1) / 2.0));
      int[][] next = new int[batch][1];
      for (int b = 0; b < batch; b++) {
        next[b][0] = argmax(logits.getRow(b).toFloatVector());
      }
      t0 = System.nanoTime();
      for (int s = 0; s < DECODE_STEPS; s++) {
        logits = decoder.lastLogits(next, 0, cache);
        for (int b = 0; b < batch; b++) {
          next[b][0] = argmax(logits.getRow(b).toFloatVector());
        }
      }
      double decodeSeconds = (System.nanoTime() - t0) / 1e9;
      double stepSeconds = decodeSeconds / DECODE_STEPS;
      double meanSeen = PROMPT + DECODE_STEPS / 2.0;
      double stepBytes =
          4.0 * (matmulParams + headParams) + batch * LAYERS * 2.0 * 4 * KV_HEADS * d * meanSeen;
      double stepFlops =
          batch * (2.0 * (matmulParams + headParams) + LAYERS * 4.0 * HEADS * d * meanSeen);
      System.out.printf(
          "batch %2d: prefill %6.0f tok/s = %4.1f%% of GEMM roofline | decode %6.1f tok/s,"
              + " %6.1f ms/step = %4.1f%% of bandwidth roofline, %4.1f%% of GEMM roofline%n",
          batch,
          batch * PROMPT / prefillSeconds,
          100 * prefillFlops / prefillSeconds / gemm,
          batch * DECODE_STEPS / decodeSeconds,
          stepSeconds * 1e3,
          100 * stepBytes / stepSeconds / bandwidth,
          100 * stepFlops / stepSeconds / gemm);
    }
    continuousBatching(decoder);
    adapters(dir, decoder);
  }

  /**
   * Merged against unmerged adapters, measured: what merging costs at load (and in memory: a copy
   * of the projections per adapter), and what an unmerged adapter would add to every decode step
   * (its two small products per targeted projection, {@code (x·Aᵀ)·Bᵀ·s} added to the output, timed
   * through ND4J as the decoder runs its projections) against a decode step measured here.
   */
  static void adapters(Path dir, LlamaDecoder base) throws Exception {
    LlamaConfig cfg = base.config();
    long t0 = System.nanoTime();
    try (Checkpoint c = Checkpoint.open(dir)) {
      new LlamaDecoder(c);
    }
    double plainLoad = (System.nanoTime() - t0) / 1e9;
    for (List<String> modules : List.of(List.of("q_proj", "v_proj"), LoraAdapter.MODULES)) {
      LoraAdapter adapter =
          LoraAdapter.initialized(
              new LoraAdapter.Settings(8, 16, 0, modules, false, "bench"), cfg, 1);
      t0 = System.nanoTime();
      LlamaDecoder merged;
      try (Checkpoint c = Checkpoint.open(dir)) {
        merged = new LlamaDecoder(c, adapter);
      }
      double mergedLoad = (System.nanoTime() - t0) / 1e9;
      long projected = 0;
      for (String m : modules) {
        int[] shape = LoraAdapter.shape(cfg, m);
        projected += (long) shape[0] * shape[1];
      }
      for (int batch : new int[] {1, 32}) {
        double step = decodeStep(merged, batch);
        double extra = 0;
        for (String m : modules) {
          int[] shape = LoraAdapter.shape(cfg, m);
          INDArray x = Nd4j.rand(DataType.FLOAT, batch, shape[1]);
          INDArray a = Nd4j.rand(DataType.FLOAT, 8, shape[1]);
          INDArray b = Nd4j.rand(DataType.FLOAT, shape[0], 8);
          INDArray y = Nd4j.rand(DataType.FLOAT, batch, shape[0]);
          extra +=
              cfg.layers()
                  * LoraTrainBench.best(
                      5, () -> y.addi(x.mmul(a.transpose()).mmul(b.transpose()).muli(2)));
        }
        System.out.printf(
            "adapter on %s, batch %2d: merged decode step %.1f ms (load %.2f s vs %.2f s without;"
                + " each merged route holds its own model, %d MB of its projections changed);"
                + " unmerged would add %.1f ms per step (%.1f%%)%n",
            String.join("+", modules).replace("_proj", ""),
            batch,
            step * 1e3,
            mergedLoad,
            plainLoad,
            (long) cfg.layers() * projected * 4 >> 20,
            extra * 1e3,
            100 * extra / step);
      }
    }
  }

  private static double decodeStep(LlamaDecoder decoder, int batch) {
    int[][] prompt = new int[batch][PROMPT];
    LlamaDecoder.KvCache cache = decoder.newCache(batch, PROMPT + DECODE_STEPS + 1);
    decoder.lastLogits(prompt, 0, cache);
    int[][] next = new int[batch][1];
    long t0 = System.nanoTime();
    for (int s = 0; s < DECODE_STEPS; s++) {
      decoder.lastLogits(next, 0, cache);
    }
    return (System.nanoTime() - t0) / 1e9 / DECODE_STEPS;
  }

  /**
   * Resident memory over {@code requests} generations through the {@link Generator} the local
   * provider runs (4 slots, requests submitted 8 at a time; prompts of 4 to 64 tokens, 1 to 4 new
   * tokens, so slots are refilled and the batch changes shape at every step), sampled every tenth.
   */
  static void memory(LlamaDecoder decoder, int requests) throws Exception {
    Random rnd = new Random(3);
    ResidentMemory rss = new ResidentMemory();
    System.out.printf(
        "%d layers; %d requests through a generator of 4 slots:%n",
        decoder.config().layers(), requests);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    long t0 = System.nanoTime();
    long steps = 0;
    try (Generator g = new Generator(decoder, 4, 128)) {
      for (int done = 0; done < requests; ) {
        List<Future<Generator.Output>> outs = new ArrayList<>();
        for (int i = 0; i < 8 && done + i < requests; i++) {
          int[] prompt = new int[4 + rnd.nextInt(61)];
          for (int j = 0; j < prompt.length; j++) {
            prompt[j] = rnd.nextInt(VOCAB);
          }
          int max = 1 + rnd.nextInt(4);
          outs.add(
              pool.submit(
                  () -> g.generate(prompt, max, Sampler.Settings.greedy(), Set.of(), t -> false)));
        }
        for (Future<Generator.Output> f : outs) {
          steps += f.get().completionTokens();
        }
        int before = done;
        done += outs.size();
        int tenth = Math.max(1, requests / 10);
        if (before < 80 && done >= 80 || done / tenth > before / tenth) {
          rss.sample(done + " requests");
        }
      }
    }
    pool.shutdown();
    System.out.printf(
        "%s; %d tokens generated in %.1f s%n",
        rss.summary(), steps, (System.nanoTime() - t0) / 1e9);
  }

  /** 16 requests with prompts of 16..128 tokens and 8..32 new tokens, submitted at once. */
  static void continuousBatching(LlamaDecoder decoder) throws Exception {
    Random rnd = new Random(2);
    int n = 16;
    int[][] prompts = new int[n][];
    int[] maxTokens = new int[n];
    for (int i = 0; i < n; i++) {
      prompts[i] = new int[16 + rnd.nextInt(113)];
      for (int j = 0; j < prompts[i].length; j++) {
        prompts[i][j] = rnd.nextInt(VOCAB);
      }
      maxTokens[i] = 8 + rnd.nextInt(25);
    }
    for (int slots : new int[] {1, 8}) {
      try (Generator g = new Generator(decoder, slots, 256)) {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        long t0 = System.nanoTime();
        List<Future<Generator.Output>> outs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int j = i;
          outs.add(
              pool.submit(
                  () ->
                      g.generate(
                          prompts[j],
                          maxTokens[j],
                          Sampler.Settings.greedy(),
                          Set.of(),
                          t -> false)));
        }
        long tokens = 0;
        for (Future<Generator.Output> f : outs) {
          tokens += f.get().completionTokens();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        System.out.printf(
            "generator, %d slot(s): %d requests, %d new tokens in %.1f s = %.1f tok/s"
                + " (mean %.1f sequences per decoding step; prefill included)%n",
            slots, n, tokens, seconds, tokens / seconds, g.meanBatch());
      }
    }
  }

  /**
   * The decoder's projections with nothing around them, best of 3, at 1, 4, 8 and 32 rows, through
   * ND4J's GEMM and through {@link Linear} (the Vector API for few rows, what the decoder runs):
   * what one decoding step would cost if everything but the weight matrices were free. Returns the
   * best time per row count, {@code [rows][nd4j, linear]}.
   */
  static double[][] projectionFloor(int d) {
    INDArray[][] w = new INDArray[LAYERS][];
    for (int l = 0; l < LAYERS; l++) {
      w[l] =
          new INDArray[] {
            Nd4j.rand(DataType.FLOAT, (HEADS + 2 * KV_HEADS) * d, HIDDEN),
            Nd4j.rand(DataType.FLOAT, HIDDEN, HEADS * d),
            Nd4j.rand(DataType.FLOAT, 2 * FFN, HIDDEN),
            Nd4j.rand(DataType.FLOAT, HIDDEN, FFN)
          };
    }
    INDArray head = Nd4j.rand(DataType.FLOAT, VOCAB, HIDDEN);
    List<BinaryOperator<INDArray>> products =
        List.of((x, m) -> Nd4j.gemm(x, m, false, true), Linear::apply);
    double[][] best = new double[FLOOR_ROWS.length][products.size()];
    for (int i = 0; i < FLOOR_ROWS.length; i++) {
      INDArray x = Nd4j.rand(DataType.FLOAT, FLOOR_ROWS[i], HIDDEN);
      INDArray wide = Nd4j.rand(DataType.FLOAT, FLOOR_ROWS[i], FFN);
      for (int p = 0; p < products.size(); p++) {
        BinaryOperator<INDArray> product = products.get(p);
        best[i][p] = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
          long t0 = System.nanoTime();
          for (INDArray[] layer : w) {
            product.apply(x, layer[0]);
            product.apply(x, layer[1]);
            product.apply(x, layer[2]);
            product.apply(wide, layer[3]);
          }
          product.apply(x, head);
          best[i][p] = Math.min(best[i][p], (System.nanoTime() - t0) / 1e9);
        }
      }
    }
    for (INDArray[] layer : w) {
      for (INDArray a : layer) {
        a.close();
      }
    }
    head.close();
    return best;
  }

  /**
   * The machine's read bandwidth, as a ceiling: the best of ND4J's sum over 1 GiB and of every core
   * reading its own share of 1 GiB of off-heap memory at once (one thread alone does not saturate
   * the memory system; llama.cpp's decode streams its weights from all cores).
   */
  static double bandwidthBytesPerSecond() throws Exception {
    INDArray big = Nd4j.rand(DataType.FLOAT, 256L * 1024 * 1024);
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t0 = System.nanoTime();
      big.sumNumber();
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    big.close();
    double nd4j = 4.0 * 256 * 1024 * 1024 / best;
    int cores = Runtime.getRuntime().availableProcessors();
    LongBuffer[] shares = new LongBuffer[cores];
    for (int c = 0; c < cores; c++) {
      shares[c] =
          ByteBuffer.allocateDirect((1 << 30) / cores)
              .order(ByteOrder.nativeOrder())
              .asLongBuffer();
      for (int i = 0; i < shares[c].limit(); i++) {
        shares[c].put(i, i); // touch every page before timing
      }
    }
    ExecutorService pool = Executors.newFixedThreadPool(cores);
    double threads = Double.MAX_VALUE;
    long sink = 0;
    for (int rep = 0; rep < 5; rep++) {
      List<Future<Long>> sums = new ArrayList<>();
      long t0 = System.nanoTime();
      for (LongBuffer share : shares) {
        sums.add(
            pool.submit(
                () -> {
                  long sum = 0;
                  for (int i = 0, n = share.limit(); i < n; i++) {
                    sum += share.get(i);
                  }
                  return sum;
                }));
      }
      for (Future<Long> f : sums) {
        sink += f.get();
      }
      threads = Math.min(threads, (System.nanoTime() - t0) / 1e9);
    }
    pool.shutdown();
    double perThreads = (double) (1 << 30) / threads;
    System.out.printf(
        "memory bandwidth: ND4J sum %.1f GB/s, %d threads reading %.1f GB/s (checksum %d)%n",
        nd4j / 1e9, cores, perThreads / 1e9, sink % 10);
    return Math.max(nd4j, perThreads);
  }

  static double gemmFlopsPerSecond() {
    INDArray a = Nd4j.rand(DataType.FLOAT, 2048, 2048);
    INDArray b = Nd4j.rand(DataType.FLOAT, 2048, 2048);
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      long t0 = System.nanoTime();
      a.mmul(b);
      best = Math.min(best, (System.nanoTime() - t0) / 1e9);
    }
    return 2.0 * 2048 * 2048 * 2048 / best;
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      best = v[i] > v[best] ? i : best;
    }
    return best;
  }

  /**
   * A random FP32 checkpoint of SmolLM-135M's shape with {@code layers} layers (weights ~N(0,
   * 0.02), gains 1).
   */
  static void writeCheckpoint(Path dir, int layers) throws Exception {
    Files.createDirectories(dir);
    Random rnd = new Random(135);
    Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
    int d = HIDDEN / HEADS;
    t.put("model.embed_tokens.weight", gaussian(rnd, VOCAB, HIDDEN));
    t.put("model.norm.weight", ones(HIDDEN));
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      t.put(p + "input_layernorm.weight", ones(HIDDEN));
      t.put(p + "post_attention_layernorm.weight", ones(HIDDEN));
      t.put(p + "self_attn.q_proj.weight", gaussian(rnd, HEADS * d, HIDDEN));
      t.put(p + "self_attn.k_proj.weight", gaussian(rnd, KV_HEADS * d, HIDDEN));
      t.put(p + "self_attn.v_proj.weight", gaussian(rnd, KV_HEADS * d, HIDDEN));
      t.put(p + "self_attn.o_proj.weight", gaussian(rnd, HIDDEN, HEADS * d));
      t.put(p + "mlp.gate_proj.weight", gaussian(rnd, FFN, HIDDEN));
      t.put(p + "mlp.up_proj.weight", gaussian(rnd, FFN, HIDDEN));
      t.put(p + "mlp.down_proj.weight", gaussian(rnd, HIDDEN, FFN));
    }
    Safetensors.write(dir.resolve("model.safetensors"), t, Map.of("format", "pt"));
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("model_type", "llama");
    config.put("hidden_size", HIDDEN);
    config.put("num_hidden_layers", layers);
    config.put("num_attention_heads", HEADS);
    config.put("num_key_value_heads", KV_HEADS);
    config.put("intermediate_size", FFN);
    config.put("vocab_size", VOCAB);
    config.put("max_position_embeddings", 2048);
    config.put("rms_norm_eps", 1e-5);
    config.put("rope_theta", 10000.0);
    config.put("tie_word_embeddings", true);
    config.put("hidden_act", "silu");
    new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), config);
  }

  static Safetensors.Tensor gaussian(Random rnd, int rows, int cols) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (rnd.nextGaussian() * 0.02);
    }
    return new Safetensors.Tensor("F32", new long[] {rows, cols}, v);
  }

  static Safetensors.Tensor ones(int n) {
    float[] v = new float[n];
    java.util.Arrays.fill(v, 1f);
    return new Safetensors.Tensor("F32", new long[] {n}, v);
  }
}
