package dev.batchlm.pipeline.loratrain;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.nn.Safetensors;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.LocalCopies;
import dev.batchlm.train.AdamW;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Training checkpoints: every {@code lora-train.checkpoint-every} steps, {@code
 * ROOT/adapters/<name>/<run_id>/step-N/} holds the adapter (PEFT's layout), the optimizer's moments
 * ({@code optimizer.safetensors}), and {@code trainer_state.json} (steps done, the metric rows so
 * far, and the fingerprint of what the run trains: date, inputs and keys). A run that finds a
 * checkpoint with its own fingerprint, left by a run that was killed, continues from the latest
 * one; the data position is the step count (the order of each epoch follows from the seed). A
 * checkpoint is written beside its final name and renamed, so a kill never leaves half of one.
 */
final class Checkpoints {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String STATE_FILE = "trainer_state.json";
  static final String OPTIMIZER_FILE = "optimizer.safetensors";

  private Checkpoints() {}

  /** What a checkpoint restores. */
  record Saved(
      Path dir,
      int steps,
      LoraAdapter adapter,
      long optimizerSteps,
      Map<String, float[]> firstMoments,
      Map<String, float[]> secondMoments,
      List<LoraTrainAction.StepRow> rows,
      Double firstValidation) {}

  /** trainer_state.json. */
  record State(
      String fingerprint,
      int steps,
      long optimizerSteps,
      Double firstValidationLoss,
      List<LoraTrainAction.StepRow> metrics) {}

  static void save(
      Path runDir,
      String fingerprint,
      LoraAdapter adapter,
      AdamW optimizer,
      List<LoraTrainAction.StepRow> rows,
      Double firstValidation,
      HadoopConf conf) {
    int steps = rows.size();
    try {
      java.nio.file.Path local = Files.createTempDirectory("batchlm-checkpoint-");
      adapter.write(local);
      Map<String, Safetensors.Tensor> moments = new LinkedHashMap<>();
      optimizer
          .firstMoments()
          .forEach((k, m) -> moments.put("m." + k, new Safetensors.Tensor("F32", shape(m), m)));
      optimizer
          .secondMoments()
          .forEach((k, v) -> moments.put("v." + k, new Safetensors.Tensor("F32", shape(v), v)));
      Safetensors.write(local.resolve(OPTIMIZER_FILE), moments, Map.of());
      JSON.writeValue(
          local.resolve(STATE_FILE).toFile(),
          new State(fingerprint, steps, optimizer.steps(), firstValidation, rows));
      FileSystem fs = runDir.getFileSystem(conf.get());
      Path partial = new Path(runDir, "_step-" + steps + ".partial");
      fs.delete(partial, true);
      upload(local, partial, fs);
      if (!fs.rename(partial, new Path(runDir, "step-" + steps))) {
        throw new IOException("cannot rename " + partial + " to step-" + steps);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write a checkpoint under " + runDir + ": " + e.getMessage(), e);
    }
  }

  /** Moves every file of a local folder into {@code dir} (any Hadoop file system). */
  static void upload(java.nio.file.Path local, Path dir, FileSystem fs) throws IOException {
    fs.mkdirs(dir);
    try (var files = Files.list(local)) {
      for (java.nio.file.Path f : files.toList()) {
        fs.copyFromLocalFile(
            true, true, new Path(f.toUri()), new Path(dir, f.getFileName().toString()));
      }
    }
    Files.deleteIfExists(local);
  }

  /** The latest checkpoint of any run of this adapter with {@code fingerprint}, if one was left. */
  static Optional<Saved> latest(
      Path adapterDir, String fingerprint, LlamaConfig model, HadoopConf conf) {
    try {
      FileSystem fs = adapterDir.getFileSystem(conf.get());
      if (!fs.exists(adapterDir)) {
        return Optional.empty();
      }
      Path best = null;
      State bestState = null;
      for (FileStatus run : fs.listStatus(adapterDir)) {
        for (FileStatus step : fs.listStatus(run.getPath(), p -> p.getName().startsWith("step-"))) {
          Path stateFile = new Path(step.getPath(), STATE_FILE);
          if (!fs.exists(stateFile)) {
            continue;
          }
          State state;
          try (var in = fs.open(stateFile)) {
            state = JSON.readValue((java.io.InputStream) in, State.class);
          }
          if (state.fingerprint().equals(fingerprint)
              && (bestState == null || state.steps() > bestState.steps())) {
            best = step.getPath();
            bestState = state;
          }
        }
      }
      return best == null ? Optional.empty() : Optional.of(load(best, bestState, model, conf));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read the checkpoints under " + adapterDir + ": " + e.getMessage(), e);
    }
  }

  private static Saved load(Path dir, State state, LlamaConfig model, HadoopConf conf)
      throws IOException {
    java.nio.file.Path local =
        LocalCopies.of(dir.toString(), conf.get()); // a checkpoint never changes
    LoraAdapter adapter = LoraAdapter.read(local, model);
    Map<String, float[]> m = new LinkedHashMap<>();
    Map<String, float[]> v = new LinkedHashMap<>();
    try (Safetensors st = Safetensors.open(local.resolve(OPTIMIZER_FILE))) {
      for (Safetensors.Entry e : st.entries().values()) {
        Map<String, float[]> moments = e.name().startsWith("m.") ? m : v;
        moments.put(e.name().substring(2), st.floats(e.name(), e.shape()));
      }
    }
    return new Saved(
        dir,
        state.steps(),
        adapter,
        state.optimizerSteps(),
        m,
        v,
        new ArrayList<>(state.metrics()),
        state.firstValidationLoss());
  }

  private static long[] shape(float[] values) {
    return new long[] {values.length};
  }
}
