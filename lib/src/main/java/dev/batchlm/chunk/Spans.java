package dev.batchlm.chunk;

import java.util.Arrays;

/**
 * A growable list of half-open UTF-16 spans {@code [start, end)} into one text, kept as two int
 * arrays so that splitting large documents allocates no object per piece.
 */
final class Spans {
  private int[] starts = new int[16];
  private int[] ends = new int[16];
  private int size;

  void add(int start, int end) {
    if (size == starts.length) {
      starts = Arrays.copyOf(starts, size * 2);
      ends = Arrays.copyOf(ends, size * 2);
    }
    starts[size] = start;
    ends[size] = end;
    size++;
  }

  void addAll(Spans other) {
    for (int i = 0; i < other.size; i++) {
      add(other.starts[i], other.ends[i]);
    }
  }

  int size() {
    return size;
  }

  int start(int i) {
    return starts[i];
  }

  int end(int i) {
    return ends[i];
  }

  void clear() {
    size = 0;
  }
}
