package dev.batchlm.nn;

import java.util.function.Supplier;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bounded memory for a model call: every intermediate array of one forward pass is allocated in a
 * per-thread ND4J workspace that is reused by the next call, instead of a fresh off-heap buffer per
 * op that only the garbage collector would free (which let an encoder grow to 13 GB). The workspace
 * learns its size from the first call and grows (reallocates) when a larger batch comes, so it
 * holds what the largest batch needs. The work must return plain Java values: no array allocated
 * inside outlives the call.
 */
final class Scratch {
  private static final WorkspaceConfiguration CONFIG =
      WorkspaceConfiguration.builder()
          .initialSize(0)
          .overallocationLimit(0.2)
          .policyAllocation(AllocationPolicy.OVERALLOCATE)
          .policyLearning(LearningPolicy.FIRST_LOOP)
          .policySpill(SpillPolicy.REALLOCATE)
          .policyReset(ResetPolicy.BLOCK_LEFT)
          .build();

  private Scratch() {}

  /** Runs {@code work} in the calling thread's workspace named {@code id}. */
  static <T> T run(String id, Supplier<T> work) {
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, id)) {
      return work.get();
    }
  }
}
