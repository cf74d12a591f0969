package dev.batchlm.nn;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Whether ND4J's arrays live in host memory (the CPU backend), so that Java may read and write
 * their buffers directly ({@code data().asNio()}). On the CUDA backend the device copy is the
 * current one and those views are not synchronized: the Java kernels then copy through ND4J's
 * synchronized accessors or leave the work to ND4J.
 */
final class HostMemory {
  static final boolean DIRECT = Nd4j.getEnvironment().isCPU();

  private HostMemory() {}
}
