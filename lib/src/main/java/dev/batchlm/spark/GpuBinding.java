package dev.batchlm.spark;

import java.util.Optional;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import scala.Option;

/**
 * Binds the calling task's ND4J work to the GPU that Spark's resource scheduling assigned the task
 * ({@code spark.task.resource.gpu.amount}, addresses from the executor's discovery script). On the
 * CUDA backend ({@code -Pcuda}) the thread's ND4J device becomes that address; on the CPU backend
 * there is one device and nothing changes, but the address is still reported, so a run's manifest
 * shows which GPUs its tasks were given. Call it on the task's thread before using a model.
 */
public final class GpuBinding {
  private GpuBinding() {}

  /** The GPU address Spark gave this task, after binding ND4J to it; empty outside a GPU task. */
  public static Optional<String> bindTaskGpu() {
    TaskContext task = TaskContext.get();
    if (task == null) {
      return Optional.empty();
    }
    Option<ResourceInformation> gpu = task.resources().get("gpu");
    if (gpu.isEmpty() || gpu.get().addresses().length == 0) {
      return Optional.empty();
    }
    String address = gpu.get().addresses()[0];
    int devices = Nd4j.getAffinityManager().getNumberOfDevices();
    if (devices > 1) {
      int device;
      try {
        device = Integer.parseInt(address.trim());
      } catch (NumberFormatException e) {
        throw new IllegalStateException(
            "GPU address '" + address + "' from the discovery script is not a CUDA device index",
            e);
      }
      if (device >= devices) {
        throw new IllegalStateException(
            "Spark assigned GPU " + device + " but ND4J sees " + devices + " devices");
      }
      Nd4j.getAffinityManager().unsafeSetDevice(device);
    }
    return Optional.of(address + (devices > 1 ? "" : " (cpu backend)"));
  }
}
