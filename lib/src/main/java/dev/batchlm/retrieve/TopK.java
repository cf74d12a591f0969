package dev.batchlm.retrieve;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The k best (score, id) pairs seen, in a bounded heap: O(n log k) time, O(k) memory. Best means
 * the higher score; equal scores are broken by the smaller id, so results are deterministic. Not
 * thread-safe.
 */
public final class TopK {
  /** A scored id. */
  public record Hit(String id, double score) {}

  /** Best first: higher score, then smaller id. */
  public static final Comparator<Hit> BEST_FIRST =
      Comparator.comparingDouble(Hit::score).reversed().thenComparing(Hit::id);

  private final int k;
  private final PriorityQueue<Hit> heap; // worst on top

  public TopK(int k) {
    if (k <= 0) {
      throw new IllegalArgumentException("k must be > 0, got " + k);
    }
    this.k = k;
    this.heap = new PriorityQueue<>(k + 1, BEST_FIRST.reversed());
  }

  public void offer(String id, double score) {
    Hit hit = new Hit(id, score);
    if (heap.size() < k) {
      heap.add(hit);
    } else if (BEST_FIRST.compare(hit, heap.peek()) < 0) {
      heap.poll();
      heap.add(hit);
    }
  }

  /** The kept hits, best first. */
  public List<Hit> sorted() {
    List<Hit> out = new ArrayList<>(heap);
    out.sort(BEST_FIRST);
    return out;
  }
}
