package dev.batchlm.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.LlamaDecoder;
import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.nn.TinyLlama;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training for real on a tiny model: a fixed mapping from questions to answers is learned (the loss
 * on the answers goes near zero and greedy decoding with the merged adapter gives them), and the
 * gradients of a step do not depend on how its rows are split into shares and micro-batches.
 */
class LoraTrainerTest {
  @TempDir Path tmp;

  private static final List<String> TARGETS = List.of("q_proj", "v_proj", "up_proj", "down_proj");

  @Test
  void learnsAFixedMappingAndTheMergedAdapterAnswersIt() throws Exception {
    Path dir = new TinyLlama(21, 2, false, false, false, 1.5).write(tmp.resolve("m"), "llama");
    try (Checkpoint c = Checkpoint.open(dir)) {
      BaseWeights base = new BaseWeights(c, DataType.FLOAT);
      int vocab = base.config().vocabSize();
      List<int[][]> pairs = new ArrayList<>();
      Random rnd = new Random(5);
      for (int i = 0; i < 8; i++) {
        pairs.add(new int[][] {LoraGraphTest.ids(100 + i, 5, vocab), randomAnswer(rnd, vocab)});
      }
      List<Sequence> data = pairs.stream().map(p -> example(p[0], p[1])).toList();
      LoraAdapter.Settings s = new LoraAdapter.Settings(8, 16, 0, TARGETS, false, "tiny");
      LoraAdapter initial = LoraAdapter.initialized(s, base.config(), 1);
      LoraWorker worker = new LoraWorker(base, 4, 0);
      int steps = 30;
      LoraTrainer trainer =
          new LoraTrainer(
              initial,
              new AdamW(AdamW.Settings.torchDefaults(0.0)),
              new LearningRate(2e-2, 5, steps, "cosine"),
              1.0);
      double first = validation(worker, initial, data);
      List<LoraWorker.Indexed> all = new ArrayList<>();
      for (int i = 0; i < data.size(); i++) {
        all.add(new LoraWorker.Indexed(i, data.get(i)));
      }
      long tokens = data.stream().mapToLong(Sequence::trainedTokens).sum();
      for (int step = 0; step < steps; step++) {
        trainer.step(worker.gradients(trainer.adapter(), all, tokens, 9, step));
      }
      double last = validation(worker, trainer.adapter(), data);
      System.out.printf(
          "fixed mapping: validation loss %.3f → %.4f in %d steps%n", first, last, steps);
      assertThat(first).isGreaterThan(2.0);
      assertThat(last).isLessThan(0.01);

      LlamaDecoder tuned = new LlamaDecoder(c, trainer.adapter());
      for (int[][] p : pairs) {
        assertThat(greedy(tuned, p[0], p[1].length)).containsExactly(p[1]);
      }
    }
  }

  @Test
  void aStepsGradientsDoNotDependOnHowItsRowsAreShared() throws Exception {
    Path dir = new TinyLlama(22, 3, true, true, false).write(tmp.resolve("m"), "llama");
    try (Checkpoint c = Checkpoint.open(dir)) {
      BaseWeights base = new BaseWeights(c, DataType.FLOAT);
      int vocab = base.config().vocabSize();
      LoraAdapter adapter = LoraGraphTest.randomAdapter(base.config(), 2, 0.2);
      List<LoraWorker.Indexed> rows = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        int[] q = LoraGraphTest.ids(200 + i, 3 + i, vocab);
        rows.add(new LoraWorker.Indexed(i, example(q, LoraGraphTest.ids(300 + i, 4, vocab))));
      }
      long tokens = rows.stream().mapToLong(r -> r.sequence().trainedTokens()).sum();
      Gradients whole = new LoraWorker(base, 6, 0.1).gradients(adapter, rows, tokens, 3, 7);
      Gradients shared =
          new LoraWorker(base, 2, 0.1)
              .gradients(adapter, rows.subList(0, 4), tokens, 3, 7)
              .plus(
                  new LoraWorker(base, 1, 0.1)
                      .gradients(adapter, rows.subList(4, 6), tokens, 3, 7));
      assertThat(shared.loss()).isCloseTo(whole.loss(), org.assertj.core.data.Offset.offset(1e-5));
      assertThat(shared.tokens()).isEqualTo(whole.tokens()).isEqualTo(tokens);
      double worst = 0;
      double largest = 0;
      for (String k : whole.byName().keySet()) {
        float[] a = whole.byName().get(k);
        float[] b = shared.byName().get(k);
        for (int i = 0; i < a.length; i++) {
          worst = Math.max(worst, Math.abs(a[i] - b[i]));
          largest = Math.max(largest, Math.abs(a[i]));
        }
      }
      assertThat(largest).isPositive();
      assertThat(worst / largest).isLessThan(1e-5);
    }
  }

  private static double validation(LoraWorker worker, LoraAdapter params, List<Sequence> rows) {
    double[] r = worker.lossSum(params, rows);
    return r[0] / r[1];
  }

  /** A question followed by its answer; only the answer is trained. */
  static Sequence example(int[] question, int[] answer) {
    int[] ids = new int[question.length + answer.length];
    int[] labels = new int[ids.length];
    java.util.Arrays.fill(labels, Sequence.IGNORED);
    System.arraycopy(question, 0, ids, 0, question.length);
    System.arraycopy(answer, 0, ids, question.length, answer.length);
    System.arraycopy(answer, 0, labels, question.length, answer.length);
    return Sequence.of(ids, labels);
  }

  private static int[] randomAnswer(Random rnd, int vocab) {
    int[] a = new int[4];
    for (int i = 0; i < a.length; i++) {
      a[i] = rnd.nextInt(vocab);
    }
    return a;
  }

  private static int[] greedy(LlamaDecoder d, int[] prompt, int n) {
    LlamaDecoder.KvCache cache = d.newCache(1, prompt.length + n);
    int[] out = new int[n];
    INDArray logits = d.lastLogits(new int[][] {prompt}, 0, cache);
    for (int i = 0; i < n; i++) {
      out[i] = logits.getRow(0).argMax().getInt(0);
      if (i + 1 < n) {
        logits = d.lastLogits(new int[][] {{out[i]}}, 0, cache);
      }
    }
    return out;
  }
}
