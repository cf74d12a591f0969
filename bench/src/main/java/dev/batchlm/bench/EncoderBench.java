package dev.batchlm.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.batchlm.embed.Embedder;
import dev.batchlm.embed.LocalEncoderEmbedder;
import dev.batchlm.eval.EmbeddingSimilarity;
import dev.batchlm.nn.OnnxBert;
import dev.batchlm.tokenizer.HfTokenizer;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The embed job's encoder against ONNX Runtime, the engine a user would pick instead, on the same
 * model (the real all-MiniLM-L6-v2: the ONNX export, and batchlm's checkpoint read from it by
 * {@link OnnxBert}) and the same texts: windows of ~600 characters of the sample corpus (about 124
 * tokens), sorted by length and embedded in batches of 32 padded to their longest, mean-pooled and
 * normalized. Texts per second and process CPU per text, each after one warm-up pass.
 *
 * <p>Usage: {@code EncoderBench [texts, default 512]}, or {@code EncoderBench BATCHES memory}:
 * resident memory over that many batches.
 */
public final class EncoderBench {
  static final int BATCH = 32;

  public static void main(String[] args) throws Exception {
    Locale.setDefault(Locale.ROOT);
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    Path dir = Files.createTempDirectory("encoder-bench");
    byte[] onnx = resource("/all-minilm-l6-v2.onnx");
    Path tokenizerFile = dir.resolve("tokenizer.json");
    Files.write(tokenizerFile, resource("/all-minilm-l6-v2-tokenizer.json"));
    Path checkpoint = dir.resolve("all-MiniLM-L6-v2");
    OnnxBert.read(new ByteArrayInputStream(onnx), "all-minilm-l6-v2.onnx")
        .writeCheckpoint(checkpoint, tokenizerFile, 256);
    if (args.length > 1 && args[1].equals("memory")) {
      memory(checkpoint, n);
      System.exit(0);
    }
    List<String> texts = texts(n);
    HfTokenizer tokenizer = HfTokenizer.fromFile(tokenizerFile);
    double tokens =
        texts.stream().mapToInt(t -> tokenizer.idsWithSpecialTokens(t).length).average().orElse(0);
    System.out.printf(
        "Java %s, %d cores; %d texts of %.0f tokens on average, batches of %d%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        n,
        tokens,
        BATCH);

    Embedder ours =
        new LocalEncoderEmbedder(
            checkpoint, new LocalEncoderEmbedder.Options(null, null, null, BATCH, 0));
    ours.embed(texts); // warm-up
    long t0 = System.nanoTime();
    long c0 = cpuNanos();
    List<Embedder.Embedding> ourVectors = ours.embed(texts);
    double[] batchlm = rate(n, t0, c0);

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    float[][] reference;
    double[] ort;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = env.createSession(onnx, options)) {
      onnxRuntime(env, session, tokenizer, texts); // warm-up
      long t1 = System.nanoTime();
      long c1 = cpuNanos();
      reference = onnxRuntime(env, session, tokenizer, texts);
      ort = rate(n, t1, c1);
    }
    double least = 1;
    for (int i = 0; i < n; i++) {
      least = Math.min(least, EmbeddingSimilarity.cosine(ourVectors.get(i).vector(), reference[i]));
    }
    System.out.printf(
        "batchlm (ND4J):  %.1f texts/s, %.1f CPU-ms/text%n"
            + "ONNX Runtime:    %.1f texts/s, %.1f CPU-ms/text%n"
            + "batchlm / ONNX Runtime: %.2fx the throughput, %.2fx the CPU per text; least cosine"
            + " between their vectors %.7f%n",
        batchlm[0], batchlm[1], ort[0], ort[1], batchlm[0] / ort[0], batchlm[1] / ort[1], least);
    System.exit(0);
  }

  /**
   * Resident memory over {@code batches} embed calls of 2 texts of 10 to 200 characters (so that
   * every batch has another padded length), sampled every tenth of the way.
   */
  static void memory(Path checkpoint, int batches) throws Exception {
    List<String> windows = texts(64);
    Embedder encoder =
        new LocalEncoderEmbedder(
            checkpoint, new LocalEncoderEmbedder.Options(null, null, null, 2, 0));
    Random rnd = new Random(16);
    ResidentMemory rss = new ResidentMemory();
    System.out.printf("embedding %d batches of 2 texts of 10-200 characters:%n", batches);
    long t0 = System.nanoTime();
    for (int b = 1; b <= batches; b++) {
      List<String> batch = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        batch.add(windows.get(rnd.nextInt(windows.size())).substring(0, 10 + rnd.nextInt(191)));
      }
      encoder.embed(batch);
      if (b == Math.max(1, batches / 100) || b % Math.max(1, batches / 10) == 0) {
        rss.sample(b + " batches");
      }
    }
    System.out.printf("%s; %.1f s%n", rss.summary(), (System.nanoTime() - t0) / 1e9);
  }

  /** ONNX Runtime on the texts as the embed job batches them: sorted, padded, masked. */
  static float[][] onnxRuntime(
      OrtEnvironment env, OrtSession session, HfTokenizer tokenizer, List<String> texts)
      throws Exception {
    int n = texts.size();
    long[][] ids = new long[n][];
    for (int i = 0; i < n; i++) {
      ids[i] = tokenizer.idsWithSpecialTokens(texts.get(i));
      if (ids[i].length > 256) {
        long sep = ids[i][ids[i].length - 1];
        ids[i] = Arrays.copyOf(ids[i], 256);
        ids[i][255] = sep;
      }
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingInt(i -> ids[i].length));
    float[][] out = new float[n][];
    for (int from = 0; from < n; from += BATCH) {
      int to = Math.min(n, from + BATCH);
      int len = ids[order[to - 1]].length;
      long[][] batch = new long[to - from][len];
      long[][] mask = new long[to - from][len];
      for (int j = from; j < to; j++) {
        long[] row = ids[order[j]];
        System.arraycopy(row, 0, batch[j - from], 0, row.length);
        Arrays.fill(mask[j - from], 0, row.length, 1L);
      }
      try (OnnxTensor idT = OnnxTensor.createTensor(env, batch);
          OnnxTensor maskT = OnnxTensor.createTensor(env, mask);
          OnnxTensor typesT = OnnxTensor.createTensor(env, new long[to - from][len]);
          OrtSession.Result r =
              session.run(
                  Map.of("input_ids", idT, "attention_mask", maskT, "token_type_ids", typesT))) {
        float[][][] hidden = (float[][][]) r.get(0).getValue();
        for (int j = from; j < to; j++) {
          out[order[j]] = meanNormalized(hidden[j - from], ids[order[j]].length);
        }
      }
    }
    return out;
  }

  static float[] meanNormalized(float[][] hidden, int length) {
    float[] mean = new float[hidden[0].length];
    for (int t = 0; t < length; t++) {
      for (int d = 0; d < mean.length; d++) {
        mean[d] += hidden[t][d] / length;
      }
    }
    double norm = 0;
    for (float x : mean) {
      norm += x * x;
    }
    for (int d = 0; d < mean.length; d++) {
      mean[d] /= (float) Math.sqrt(norm);
    }
    return mean;
  }

  /** Windows of about 600 characters of the sample corpus's text files, as many as asked. */
  static List<String> texts(int n) throws Exception {
    List<String> windows = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("samples/corpus"))) {
      for (Path f : files.filter(p -> p.toString().matches(".*\\.(md|txt)$")).sorted().toList()) {
        String text = Files.readString(f).replaceAll("\\s+", " ");
        for (int i = 0; i + 600 <= text.length(); i += 600) {
          windows.add(text.substring(i, i + 600));
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; out.size() < n; i++) {
      out.add(windows.get(i % windows.size()) + (i >= windows.size() ? " " + i : ""));
    }
    return out;
  }

  static double[] rate(int n, long startNanos, long startCpu) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    return new double[] {n / seconds, (cpuNanos() - startCpu) / 1e6 / n};
  }

  static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static byte[] resource(String name) throws Exception {
    try (InputStream in = EncoderBench.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }
}
