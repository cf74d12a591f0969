package dev.batchlm.train;

import org.bytedeco.javacpp.Pointer;

/**
 * Keeps a training task's resident memory near its working set. ND4J frees an array's off-heap
 * buffer only once the Java collector finds its handle unreachable, and a training step leaves
 * gigabytes of such garbage (SameDiff's intermediates: 2.7 GB a step at 3072 tokens on the demo's
 * model) while hardly touching the heap, so no collection comes until JavaCPP's physical limit: the
 * demo grew to 17 GB and was killed by the kernel next to other processes. So {@link LoraGraph}
 * calls {@link #before} and {@link #after} around each run, and a collection is asked for once the
 * process has grown by {@link #SLACK} over its level after the last one.
 */
final class OffHeapGarbage {
  static final long SLACK = 1L << 30;

  private static long level = -1; // resident bytes once the last collection's buffers were freed

  private OffHeapGarbage() {}

  /** Before a run: the level after the last collection, read once its buffers are freed. */
  static synchronized void before() {
    if (level < 0) {
      level = Pointer.physicalBytes(); // ND4J's deallocator threads have had the time since
    }
  }

  /** After a run: a collection if the process grew by more than the slack. */
  static synchronized void after() {
    if (Pointer.physicalBytes() > level + SLACK) {
      System.gc();
      level = -1;
    }
  }
}
