package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorTest {
  @TempDir Path tmp;

  static double[] frequencies(Sampler.Settings s, float[] logits, int draws) {
    Sampler sampler = new Sampler(s);
    double[] f = new double[logits.length];
    for (int i = 0; i < draws; i++) {
      f[sampler.next(logits)] += 1.0 / draws;
    }
    return f;
  }

  @Test
  void samplesTheTemperatureTopKAndTopPDistributions() {
    float[] logits = {2, 1, 0, -1};
    double z = Math.exp(2) + Math.exp(1) + Math.exp(0) + Math.exp(-1);
    // temperature 1, no cuts: softmax
    double[] plain = frequencies(new Sampler.Settings(1, 0, 1, 1), logits, 40_000);
    assertThat(plain[0]).isCloseTo(Math.exp(2) / z, within(0.01));
    assertThat(plain[3]).isCloseTo(Math.exp(-1) / z, within(0.01));
    // temperature 0.5: softmax of (4, 2, 0, -2)
    double z2 = Math.exp(4) + Math.exp(2) + 1 + Math.exp(-2);
    double[] cold = frequencies(new Sampler.Settings(0.5, 0, 1, 2), logits, 40_000);
    assertThat(cold[1]).isCloseTo(Math.exp(2) / z2, within(0.01));
    // top-k 2: renormalized over the two best
    double[] k2 = frequencies(new Sampler.Settings(1, 2, 1, 3), logits, 40_000);
    assertThat(k2[0]).isCloseTo(Math.exp(2) / (Math.exp(2) + Math.exp(1)), within(0.01));
    assertThat(k2[2] + k2[3]).isZero();
    // top-p 0.7: p0 = 0.644 < 0.7, so tokens 0 and 1 stay
    double[] p07 = frequencies(new Sampler.Settings(1, 0, 0.7, 4), logits, 40_000);
    assertThat(p07[0]).isCloseTo(Math.exp(2) / (Math.exp(2) + Math.exp(1)), within(0.01));
    assertThat(p07[2] + p07[3]).isZero();
    // greedy, ties to the lowest id; the same seed, the same draws
    assertThat(new Sampler(Sampler.Settings.greedy()).next(new float[] {1, 3, 3, 0})).isEqualTo(1);
    Sampler a = new Sampler(new Sampler.Settings(1, 0, 1, 42));
    Sampler b = new Sampler(new Sampler.Settings(1, 0, 1, 42));
    for (int i = 0; i < 50; i++) {
      assertThat(a.next(logits)).isEqualTo(b.next(logits));
    }
  }

  @Test
  void greedyGenerationFollowsTheReferenceAndStopsAsTold() throws Exception {
    TinyLlama m = new TinyLlama(11, 2, true, false, false);
    try (Checkpoint c = Checkpoint.open(m.write(tmp.resolve("m"), "llama"))) {
      Generator g = new Generator(new LlamaDecoder(c), 2);
      int[] prompt = LlamaDecoderTest.ids(4, 6, m.vocab);
      Generator.Output out =
          g.generate(prompt, 10, Sampler.Settings.greedy(), Set.of(), t -> false);
      assertThat(out.finishReason()).isEqualTo("length");
      assertThat(out.completionTokens()).isEqualTo(10);
      assertThat(out.promptTokens()).isEqualTo(6);
      // the reference, recomputing the whole sequence for every token
      ReferenceLlama ref = new ReferenceLlama(m);
      List<Integer> seq = new ArrayList<>();
      Arrays.stream(prompt).forEach(seq::add);
      for (int i = 0; i < 10; i++) {
        double[][] logits = ref.logits(seq.stream().mapToInt(Integer::intValue).toArray());
        double[] last = logits[logits.length - 1];
        int best = 0;
        for (int v = 1; v < last.length; v++) {
          best = last[v] > last[best] ? v : best;
        }
        assertThat(out.tokens()[i]).as("token %d", i).isEqualTo(best);
        seq.add(best);
      }
      // a stop token ends the answer before it; a stop condition after the token that met it
      int third = out.tokens()[2];
      Generator.Output stopped =
          g.generate(prompt, 10, Sampler.Settings.greedy(), Set.of(third), t -> false);
      int firstThird = 0;
      while (out.tokens()[firstThird] != third) {
        firstThird++;
      }
      assertThat(stopped.tokens()).containsExactly(Arrays.copyOf(out.tokens(), firstThird));
      assertThat(stopped.finishReason()).isEqualTo("stop");
      Generator.Output four =
          g.generate(prompt, 10, Sampler.Settings.greedy(), Set.of(), t -> t.length == 4);
      assertThat(four.tokens()).containsExactly(Arrays.copyOf(out.tokens(), 4));
      assertThat(four.finishReason()).isEqualTo("stop");
      // sampled with a seed: reproducible
      Sampler.Settings warm = new Sampler.Settings(0.8, 20, 0.95, 7);
      assertThat(g.generate(prompt, 8, warm, Set.of(), t -> false).tokens())
          .containsExactly(g.generate(prompt, 8, warm, Set.of(), t -> false).tokens());
    }
  }

  @Test
  void theContextWindowBoundsTheAnswerAndRejectsAPromptThatFillsIt() throws Exception {
    TinyLlama m = new TinyLlama(12, 3, false, false, false);
    try (Checkpoint c = Checkpoint.open(m.write(tmp.resolve("m"), "llama"))) {
      Generator g = new Generator(new LlamaDecoder(c), 2);
      Generator.Output out =
          g.generate(
              LlamaDecoderTest.ids(1, 60, m.vocab),
              10,
              Sampler.Settings.greedy(),
              Set.of(),
              t -> false);
      assertThat(out.completionTokens()).isEqualTo(4); // 64 positions
      assertThat(out.finishReason()).isEqualTo("length");
      assertThatThrownBy(
              () ->
                  g.generate(
                      LlamaDecoderTest.ids(1, 64, m.vocab),
                      10,
                      Sampler.Settings.greedy(),
                      Set.of(),
                      t -> false))
          .hasMessage("a prompt of 64 tokens does not fit the context window of 64 tokens");
    }
  }

  @Test
  void anAnswerDoesNotDependOnWhatElseIsInItsBatch() throws Exception {
    TinyLlama m = new TinyLlama(13, 2, false, true, false);
    try (Checkpoint c = Checkpoint.open(m.write(tmp.resolve("m"), "qwen2"))) {
      LlamaDecoder decoder = new LlamaDecoder(c);
      int[][] prompts = new int[7][];
      Sampler.Settings[] sampling = new Sampler.Settings[prompts.length];
      for (int i = 0; i < prompts.length; i++) {
        prompts[i] = LlamaDecoderTest.ids(100 + i, 3 + 4 * i, m.vocab); // 3 .. 27 tokens
        sampling[i] = i % 2 == 0 ? Sampler.Settings.greedy() : new Sampler.Settings(0.9, 0, 1, i);
      }
      Generator.Output[] alone = new Generator.Output[prompts.length];
      try (Generator one = new Generator(decoder, 1)) {
        for (int i = 0; i < prompts.length; i++) {
          alone[i] = one.generate(prompts[i], 6 + i, sampling[i], Set.of(), t -> false);
        }
      }
      // 7 callers at once over 3 slots: ragged lengths share steps, freed slots are refilled
      try (Generator shared = new Generator(decoder, 3)) {
        long started = System.nanoTime();
        java.util.concurrent.ExecutorService pool =
            java.util.concurrent.Executors.newFixedThreadPool(prompts.length);
        List<java.util.concurrent.Future<Generator.Output>> batched = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
          int j = i;
          batched.add(
              pool.submit(
                  () -> shared.generate(prompts[j], 6 + j, sampling[j], Set.of(), t -> false)));
        }
        for (int i = 0; i < prompts.length; i++) {
          assertThat(batched.get(i).get().tokens())
              .as("prompt %d", i)
              .containsExactly(alone[i].tokens());
        }
        long elapsed = System.nanoTime() - started;
        pool.shutdown();
        assertThat(shared.meanBatch()).isGreaterThan(1.5);
        // device time is shared out, not charged to each sequence in full: the shares add up to
        // no more than the time the device worked
        long shares = 0;
        for (var f : batched) {
          assertThat(f.get().deviceNanos()).isPositive();
          shares += f.get().deviceNanos();
        }
        assertThat(shares).isLessThanOrEqualTo(elapsed);
      }
    }
  }
}
