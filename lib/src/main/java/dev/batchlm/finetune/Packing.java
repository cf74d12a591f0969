package dev.batchlm.finetune;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Several tokenized examples in one training sequence of at most {@code capacity} tokens, so that a
 * batch holds little padding. Each example keeps its own positions (they restart at 0) and the
 * sequence records where each example ends, so the trainer's attention stays inside an example
 * (block-diagonal causal: {@link #attends}), as flash-attention's variable-length kernels and
 * transformers' {@code DataCollatorWithFlattening} expect.
 */
public final class Packing {
  private Packing() {}

  /** How examples are assigned to sequences. */
  public enum Strategy {
    /** Longest first, each into the fullest sequence it fits: the fewest sequences in practice. */
    BEST_FIT,
    /** In the given order, each into the first sequence it fits. */
    FIRST_FIT;

    /** {@code best-fit} or {@code first-fit}, as config names them. */
    public static Strategy of(String name) {
      return valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }
  }

  /**
   * The examples (by index into {@code lengths}) of each sequence, in the order they are laid out.
   *
   * @throws IllegalArgumentException when an example is longer than the capacity
   */
  public static List<int[]> assign(int[] lengths, int capacity, Strategy strategy) {
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] > capacity || lengths[i] <= 0) {
        throw new IllegalArgumentException(
            "example " + i + " has " + lengths[i] + " tokens; a sequence holds 1 to " + capacity);
      }
    }
    return strategy == Strategy.BEST_FIT
        ? bestFitDecreasing(lengths, capacity)
        : firstFit(lengths, capacity);
  }

  private static List<int[]> bestFitDecreasing(int[] lengths, int capacity) {
    Integer[] order = IntStream.range(0, lengths.length).boxed().toArray(Integer[]::new);
    // longest first; equal lengths in index order, so the same input packs the same way
    Arrays.sort(order, Comparator.<Integer>comparingInt(i -> -lengths[i]).thenComparingInt(i -> i));
    List<List<Integer>> bins = new ArrayList<>();
    TreeMap<Integer, Deque<Integer>> byRoomLeft = new TreeMap<>(); // room left -> open bins
    for (int i : order) {
      Map.Entry<Integer, Deque<Integer>> fit = byRoomLeft.ceilingEntry(lengths[i]);
      int bin;
      int room;
      if (fit == null) {
        bin = bins.size();
        bins.add(new ArrayList<>());
        room = capacity;
      } else {
        room = fit.getKey();
        bin = fit.getValue().pollFirst();
        if (fit.getValue().isEmpty()) {
          byRoomLeft.remove(room);
        }
      }
      bins.get(bin).add(i);
      room -= lengths[i];
      if (room > 0) {
        byRoomLeft.computeIfAbsent(room, r -> new ArrayDeque<>()).addLast(bin);
      }
    }
    return bins.stream().map(b -> b.stream().mapToInt(Integer::intValue).toArray()).toList();
  }

  /** First fit in O(n log n): a tree over the bins keeps the most room left of each range. */
  private static List<int[]> firstFit(int[] lengths, int capacity) {
    int size = 1;
    while (size < Math.max(1, lengths.length)) {
      size *= 2;
    }
    int[] room = new int[2 * size]; // leaves: bins, in opening order (an unopened bin is empty)
    Arrays.fill(room, size, 2 * size, capacity);
    for (int n = size - 1; n > 0; n--) {
      room[n] = capacity;
    }
    List<List<Integer>> bins = new ArrayList<>();
    for (int i = 0; i < lengths.length; i++) {
      int n = 1;
      while (n < size) { // the leftmost bin with room for this example
        n = room[2 * n] >= lengths[i] ? 2 * n : 2 * n + 1;
      }
      int bin = n - size;
      if (bin == bins.size()) {
        bins.add(new ArrayList<>());
      }
      bins.get(bin).add(i);
      room[n] -= lengths[i];
      for (n /= 2; n > 0; n /= 2) {
        room[n] = Math.max(room[2 * n], room[2 * n + 1]);
      }
    }
    return bins.stream().map(b -> b.stream().mapToInt(Integer::intValue).toArray()).toList();
  }

  /**
   * One packed sequence: the examples' tokens and labels end to end, each example's positions from
   * 0, and each example's length (the boundaries). The first label of every example is -100: a
   * model predicts token t from the tokens before it, and before an example's first token is
   * another example.
   */
  public record Sequence(long[] inputIds, long[] labels, int[] positionIds, int[] lengths) {
    public int tokens() {
      return inputIds.length;
    }

    /** Whether token {@code query} may attend to token {@code key}: same example, not later. */
    public boolean attends(int query, int key) {
      return key <= query && example(key) == example(query);
    }

    /** The index of the example that token {@code t} belongs to. */
    public int example(int t) {
      int end = 0;
      for (int e = 0; e < lengths.length; e++) {
        end += lengths[e];
        if (t < end) {
          return e;
        }
      }
      throw new IndexOutOfBoundsException("token " + t + " of " + inputIds.length);
    }
  }

  /** The examples' ids and labels (the same lengths pairwise) as one sequence, in order. */
  public static Sequence concat(List<long[]> inputIds, List<long[]> labels) {
    int total = inputIds.stream().mapToInt(a -> a.length).sum();
    long[] ids = new long[total];
    long[] lab = new long[total];
    int[] pos = new int[total];
    int[] lengths = new int[inputIds.size()];
    int at = 0;
    for (int e = 0; e < inputIds.size(); e++) {
      long[] x = inputIds.get(e);
      long[] y = labels.get(e);
      if (x.length != y.length) {
        throw new IllegalArgumentException(
            "example " + e + ": " + x.length + " ids but " + y.length + " labels");
      }
      System.arraycopy(x, 0, ids, at, x.length);
      System.arraycopy(y, 0, lab, at, y.length);
      if (x.length > 0) {
        lab[at] = -100;
      }
      for (int t = 0; t < x.length; t++) {
        pos[at + t] = t;
      }
      lengths[e] = x.length;
      at += x.length;
    }
    return new Sequence(ids, lab, pos, lengths);
  }
}
