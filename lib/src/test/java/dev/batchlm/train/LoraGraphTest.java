package dev.batchlm.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.nn.LlamaDecoder;
import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.nn.TinyLlama;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training graph against the inference decoder (logits equal, with and without an adapter,
 * packed rows equal to their examples run alone), against transformers + PEFT (the fixture's
 * logits), and its LoRA gradients against central finite differences in double precision through
 * whole small decoders.
 */
class LoraGraphTest {
  @TempDir Path tmp;

  private static final List<String> ALL =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  @ParameterizedTest(name = "kvHeads={0} tied={1} bias={2}")
  @CsvSource({"2, false, true", "3, true, false", "6, false, false"})
  void logitsEqualTheDecodersWithTheAdapterMerged(int kvHeads, boolean tied, boolean bias)
      throws Exception {
    Path dir = new TinyLlama(11, kvHeads, tied, bias, true).write(tmp.resolve("m"), "llama");
    try (Checkpoint c = Checkpoint.open(dir)) {
      BaseWeights base = new BaseWeights(c, DataType.FLOAT);
      LoraAdapter adapter = randomAdapter(base.config(), 3, 0.2);
      LoraGraph graph = new LoraGraph(base, adapter, 2, 10, false);
      int[] a = ids(1, 10, base.config().vocabSize());
      int[] b = ids(2, 7, base.config().vocabSize());
      INDArray logits = graph.logits(batch(base, graph, List.of(plain(a), plain(b)), 10));

      LlamaDecoder merged = new LlamaDecoder(c, adapter);
      for (int[] row : List.of(a, b)) {
        INDArray expected = merged.logits(new int[][] {row}, merged.newCache(1, row.length));
        int offset = row == a ? 0 : 10;
        assertThat(maxRelativeDifference(logits, offset, expected, row.length)).isLessThan(1e-5);
      }
    }
  }

  @Test
  void packedExamplesSeeOnlyThemselves() throws Exception {
    Path dir = new TinyLlama(12, 2, false, true, false).write(tmp.resolve("m"), "llama");
    try (Checkpoint c = Checkpoint.open(dir)) {
      BaseWeights base = new BaseWeights(c, DataType.FLOAT);
      LoraAdapter adapter = randomAdapter(base.config(), 2, 0.2);
      int vocab = base.config().vocabSize();
      int[] first = ids(3, 6, vocab);
      int[] second = ids(4, 9, vocab);
      int[] packed = new int[15];
      System.arraycopy(first, 0, packed, 0, 6);
      System.arraycopy(second, 0, packed, 6, 9);
      int[] positions = new int[15];
      for (int i = 0; i < 15; i++) {
        positions[i] = i < 6 ? i : i - 6;
      }
      int[] labels = packed.clone();
      Sequence row = new Sequence(packed, labels, positions, new int[] {6, 9});
      LoraGraph together = new LoraGraph(base, adapter, 1, 16, false);
      INDArray joint = together.logits(batch(base, together, List.of(row), 16));
      LoraGraph alone = new LoraGraph(base, adapter, 1, 9, false);
      INDArray one = alone.logits(batch(base, alone, List.of(plain(first)), 9));
      INDArray two = alone.logits(batch(base, alone, List.of(plain(second)), 9));
      assertThat(maxRelativeDifference(joint, 0, one, 6)).isLessThan(1e-5);
      INDArray shifted = joint.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 15));
      assertThat(maxRelativeDifference(shifted, 0, two, 9)).isLessThan(1e-5);
    }
  }

  @Test
  void peftsAdapterGivesPeftsLogits() throws Exception {
    Path fixtures = Path.of(getClass().getResource("/hf-reference").toURI());
    JsonNode expected =
        new ObjectMapper().readTree(fixtures.resolve("llama-gqa-llama3-lora.json").toFile());
    try (Checkpoint c = Checkpoint.open(fixtures.resolve("llama-gqa-llama3"))) {
      BaseWeights base = new BaseWeights(c, DataType.DOUBLE);
      LoraAdapter adapter =
          LoraAdapter.read(fixtures.resolve("llama-gqa-llama3-lora"), base.config());
      for (JsonNode k : expected.path("cases")) {
        int[] ids = new int[k.path("input_ids").size()];
        for (int i = 0; i < ids.length; i++) {
          ids[i] = k.path("input_ids").get(i).asInt();
        }
        LoraGraph graph = new LoraGraph(base, adapter, 1, ids.length, false);
        INDArray logits = graph.logits(batch(base, graph, List.of(plain(ids)), ids.length));
        double maxAbs = 0;
        double maxErr = 0;
        for (int t = 0; t < ids.length; t++) {
          JsonNode row = k.path("logits").get(t);
          for (int v = 0; v < row.size(); v++) {
            maxAbs = Math.max(maxAbs, Math.abs(row.get(v).asDouble()));
            maxErr = Math.max(maxErr, Math.abs(logits.getDouble(t, v) - row.get(v).asDouble()));
          }
        }
        assertThat(maxErr / maxAbs).isLessThan(1e-4);
      }
    }
  }

  /**
   * Central differences of the loss in double precision against autodiff, for sampled elements of
   * every A and B: GQA with biases and untied output, then tied embeddings without biases; packed
   * rows, padding and dropout masks included.
   */
  @ParameterizedTest(name = "kvHeads={0} tied={1} bias={2}")
  @CsvSource({"2, false, true", "3, true, false"})
  void loraGradientsMatchFiniteDifferences(int kvHeads, boolean tied, boolean bias)
      throws Exception {
    Path dir = new TinyLlama(13, kvHeads, tied, bias, false).write(tmp.resolve("m"), "llama");
    try (Checkpoint c = Checkpoint.open(dir)) {
      BaseWeights base = new BaseWeights(c, DataType.DOUBLE);
      LoraAdapter adapter = randomAdapter(base.config(), 2, 0.3);
      LoraGraph graph = new LoraGraph(base, adapter, 2, 8, true);
      int vocab = base.config().vocabSize();
      int[] packed = ids(5, 8, vocab);
      int[] labels = packed.clone();
      labels[0] = Sequence.IGNORED;
      labels[1] = Sequence.IGNORED;
      labels[4] = Sequence.IGNORED; // the second example's first token
      Sequence row1 =
          new Sequence(packed, labels, new int[] {0, 1, 2, 3, 0, 1, 2, 3}, new int[] {4, 4});
      int[] short2 = ids(6, 5, vocab);
      Sequence row2 = Sequence.of(short2, short2.clone()); // padded to 8
      long trained = row1.trainedTokens() + row2.trainedTokens();
      LoraGraph.Batch b =
          Batches.of(base, graph, 2, 8, List.of(row1, row2), trained, 0.25, new long[] {1, 2});
      LoraGraph.Step step = graph.step(b);
      assertThat(step.loss()).isPositive();

      Random pick = new Random(2);
      int checked = 0;
      double worst = 0;
      for (String name : graph.variables()) {
        INDArray param = graph.parameter(name);
        INDArray grad = step.gradients().get(name);
        for (int s = 0; s < 2; s++) {
          long i = pick.nextInt((int) param.length());
          double original = param.getDouble(i);
          double h = 1e-5;
          param.putScalar(i, original + h);
          double up = graph.loss(b);
          param.putScalar(i, original - h);
          double down = graph.loss(b);
          param.putScalar(i, original);
          double numeric = (up - down) / (2 * h);
          double analytic = grad.getDouble(i);
          double err =
              Math.abs(numeric - analytic) / Math.max(1e-8, Math.abs(numeric) + Math.abs(analytic));
          worst = Math.max(worst, err);
          assertThat(err)
              .as("%s[%d]: numeric %s, autodiff %s", name, i, numeric, analytic)
              .isLessThan(1e-5);
          checked++;
        }
      }
      assertThat(checked).isEqualTo(2 * 2 * 2 * ALL.size());
      System.out.printf(
          "LoRA gradients: %d elements checked, worst relative error %.2e%n", checked, worst);
    }
  }

  /** An adapter on every projection with random A and non-zero B. */
  static LoraAdapter randomAdapter(LlamaConfig model, int rank, double scale) {
    LoraAdapter.Settings s = new LoraAdapter.Settings(rank, 2 * rank, 0, ALL, false, "tiny");
    Random rnd = new Random(7);
    Map<String, LoraAdapter.Pair> pairs = new LinkedHashMap<>();
    LoraAdapter.initialized(s, model, 3)
        .pairs()
        .forEach(
            (key, p) -> {
              float[] b = new float[p.b().length];
              for (int i = 0; i < b.length; i++) {
                b[i] = (float) (rnd.nextGaussian() * scale);
              }
              pairs.put(key, new LoraAdapter.Pair(p.a(), b));
            });
    return new LoraAdapter(s, pairs);
  }

  static LoraGraph.Batch batch(BaseWeights base, LoraGraph g, List<Sequence> rows, int length) {
    long trained = rows.stream().mapToLong(Sequence::trainedTokens).sum();
    return Batches.of(base, g, rows.size(), length, rows, Math.max(1, trained), 0, null);
  }

  static Sequence plain(int[] ids) {
    return Sequence.of(ids, ids.clone());
  }

  static int[] ids(long seed, int n, int vocab) {
    Random rnd = new Random(seed);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = rnd.nextInt(vocab);
    }
    return out;
  }

  private static double maxRelativeDifference(
      INDArray actual, int offset, INDArray expected, int rows) {
    double maxAbs = 0;
    double maxErr = 0;
    for (int t = 0; t < rows; t++) {
      for (int v = 0; v < expected.columns(); v++) {
        maxAbs = Math.max(maxAbs, Math.abs(expected.getDouble(t, v)));
        maxErr =
            Math.max(maxErr, Math.abs(actual.getDouble(offset + t, v) - expected.getDouble(t, v)));
      }
    }
    return maxErr / maxAbs;
  }
}
