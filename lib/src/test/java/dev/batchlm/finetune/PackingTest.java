package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.finetune.Packing.Strategy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Packing against answers worked out by hand, a plain first-fit scan, and the optimum found by
 * exhaustive search; and packed sequences whose tokens never see another example's.
 */
class PackingTest {
  @Test
  void bestFitDecreasingNeedsFewerSequencesThanFirstFitInArrivalOrder() {
    // capacity 10, lengths 2 5 4 7. First fit: [2 5] [4] [7], 3 sequences. Best fit, longest
    // first: 7 -> A (3 left), 5 -> B (5 left), 4 -> B (1 left), 2 -> A (1 left): 2 sequences.
    int[] lengths = {2, 5, 4, 7};
    assertThat(Packing.assign(lengths, 10, Strategy.FIRST_FIT))
        .containsExactly(new int[] {0, 1}, new int[] {2}, new int[] {3});
    assertThat(Packing.assign(lengths, 10, Strategy.BEST_FIT))
        .containsExactly(new int[] {3, 0}, new int[] {1, 2});
  }

  @Test
  void firstFitEqualsAPlainScanOfTheOpenSequences() {
    SplittableRandom random = new SplittableRandom(7);
    for (int trial = 0; trial < 200; trial++) {
      int capacity = 16 + random.nextInt(200);
      int[] lengths = random.ints(1 + random.nextInt(300), 1, capacity + 1).toArray();
      List<List<Integer>> expected = new ArrayList<>();
      List<Integer> room = new ArrayList<>();
      for (int i = 0; i < lengths.length; i++) {
        int bin = 0;
        while (bin < room.size() && room.get(bin) < lengths[i]) {
          bin++;
        }
        if (bin == room.size()) {
          room.add(capacity);
          expected.add(new ArrayList<>());
        }
        room.set(bin, room.get(bin) - lengths[i]);
        expected.get(bin).add(i);
      }
      List<List<Integer>> got =
          Packing.assign(lengths, capacity, Strategy.FIRST_FIT).stream()
              .map(b -> Arrays.stream(b).boxed().toList())
              .toList();
      assertThat(got).isEqualTo(expected);
    }
  }

  @Test
  void bestFitIsWithinItsKnownBoundOfTheOptimum() {
    // best fit decreasing uses at most 11/9 OPT + 6/9 sequences (Dósa 2007); OPT by search
    SplittableRandom random = new SplittableRandom(11);
    int worse = 0;
    for (int trial = 0; trial < 300; trial++) {
      int capacity = 10 + random.nextInt(20);
      int[] lengths = random.ints(2 + random.nextInt(8), 1, capacity + 1).toArray();
      for (Strategy s : Strategy.values()) {
        List<int[]> bins = Packing.assign(lengths, capacity, s);
        assertValid(bins, lengths, capacity);
      }
      int got = Packing.assign(lengths, capacity, Strategy.BEST_FIT).size();
      int optimum = optimum(lengths, capacity);
      assertThat(got).isGreaterThanOrEqualTo(optimum);
      assertThat(9 * got).isLessThanOrEqualTo(11 * optimum + 6);
      worse += got > optimum ? 1 : 0;
    }
    assertThat(worse).as("instances where best fit is not optimal").isLessThan(30);
  }

  @Test
  void anExampleLongerThanASequenceIsRefused() {
    assertThatThrownBy(() -> Packing.assign(new int[] {3, 11}, 10, Strategy.BEST_FIT))
        .hasMessageContaining("example 1 has 11 tokens");
  }

  @Test
  void packedTokensSeeOnlyTheirOwnExample() {
    SplittableRandom random = new SplittableRandom(3);
    List<long[]> ids = new ArrayList<>();
    List<long[]> labels = new ArrayList<>();
    for (int e = 0; e < 5; e++) {
      int n = 1 + random.nextInt(12);
      long[] x = random.longs(n, 0, 1000).toArray();
      long[] y = x.clone();
      for (int t = 0; t < n / 2; t++) {
        y[t] = -100; // the prompt
      }
      ids.add(x);
      labels.add(y);
    }
    Packing.Sequence s = Packing.concat(ids, labels);

    int start = 0;
    for (int e = 0; e < ids.size(); e++) {
      int n = ids.get(e).length;
      assertThat(s.lengths()[e]).isEqualTo(n);
      assertThat(Arrays.copyOfRange(s.inputIds(), start, start + n)).isEqualTo(ids.get(e));
      assertThat(Arrays.copyOfRange(s.positionIds(), start, start + n))
          .isEqualTo(IntStream.range(0, n).toArray()); // positions restart
      assertThat(s.labels()[start]).isEqualTo(-100); // not predicted from the example before
      assertThat(Arrays.copyOfRange(s.labels(), start + 1, start + n))
          .isEqualTo(Arrays.copyOfRange(labels.get(e), 1, n));
      for (int q = start; q < start + n; q++) {
        for (int k = 0; k < s.tokens(); k++) {
          boolean sameExample = k >= start && k < start + n;
          assertThat(s.attends(q, k)).as("token %d -> %d", q, k).isEqualTo(sameExample && k <= q);
        }
      }
      start += n;
    }
    assertThat(start).isEqualTo(s.tokens());
  }

  private static void assertValid(List<int[]> bins, int[] lengths, int capacity) {
    int[] seen = new int[lengths.length];
    for (int[] bin : bins) {
      assertThat(Arrays.stream(bin).map(i -> lengths[i]).sum()).isLessThanOrEqualTo(capacity);
      Arrays.stream(bin).forEach(i -> seen[i]++);
    }
    assertThat(seen).containsOnly(1);
  }

  /** The fewest sequences, by trying every placement (few examples). */
  private static int optimum(int[] lengths, int capacity) {
    int[] best = {lengths.length};
    place(lengths, 0, new int[lengths.length], 0, capacity, best);
    return best[0];
  }

  private static void place(int[] lengths, int i, int[] used, int open, int capacity, int[] best) {
    if (open >= best[0]) {
      return;
    }
    if (i == lengths.length) {
      best[0] = open;
      return;
    }
    for (int b = 0; b <= open && b < lengths.length; b++) {
      if (used[b] + lengths[i] <= capacity) {
        used[b] += lengths[i];
        place(lengths, i + 1, used, Math.max(open, b + 1), capacity, best);
        used[b] -= lengths[i];
      }
    }
  }
}
