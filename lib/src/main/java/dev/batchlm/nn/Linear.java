package dev.batchlm.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code x·Wᵀ} for a weight in Hugging Face's {@code [out, in]} layout: the product every model
 * here spends most of its time in. Many rows (prefill, encoder batches) go to ND4J's GEMM
 * (OpenBLAS). A few rows (decoding) are bound by reading the weights, and OpenBLAS's GEMV through
 * ND4J streams them at 3–5 GB/s on the 2-core bench machine where the cores can read 12: there
 * {@link VectorKernels} (the JDK's Vector API, on all cores) reads each weight once for all rows,
 * at 10–11 GB/s in isolation (bench/RESULTS.md). The Vector API is an incubator module: Spark 4
 * adds it to its driver and executor JVMs, as do {@code bin/batchlm} and the tests; a JVM without
 * it, or with {@code -Dbatchlm.vector=false}, or on the CUDA backend, uses ND4J for every product.
 */
public final class Linear {
  /** Rows up to which the Vector API path is used (measured on the decoder bench). */
  static final int MAX_VECTOR_ROWS = 8;

  private static final boolean VECTOR =
      !"false".equals(System.getProperty("batchlm.vector"))
          && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

  private Linear() {}

  /** Whether products of few rows run on the Vector API in this JVM. */
  public static boolean vectorized() {
    return VECTOR;
  }

  /** {@code x·Wᵀ}, {@code [rows, out]}, allocated in the current workspace if any. */
  public static INDArray apply(INDArray x, INDArray w) {
    if (VECTOR && HostMemory.DIRECT && x.rows() <= MAX_VECTOR_ROWS && dense(x) && dense(w)) {
      INDArray y = Nd4j.create(DataType.FLOAT, x.rows(), w.rows());
      VectorKernels.multiply(x, w, y);
      return y;
    }
    return Nd4j.gemm(x, w, false, true);
  }

  private static boolean dense(INDArray a) {
    return a.dataType() == DataType.FLOAT
        && a.rank() == 2
        && a.ordering() == 'c'
        && !a.isView()
        && a.length() <= Integer.MAX_VALUE / 4; // byte offsets are ints
  }
}
