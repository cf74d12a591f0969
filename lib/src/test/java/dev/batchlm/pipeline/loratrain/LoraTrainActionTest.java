package dev.batchlm.pipeline.loratrain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.nn.TinyLlama;
import dev.batchlm.table.FinetuneExamples;
import dev.batchlm.table.LoraMetrics;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on local Spark over a finetune_examples partition written by hand for a tiny model: the
 * loss falls, the adapter is written in PEFT's layout and reads back, lora_metrics has a row per
 * step, and splitting each step over one or three tasks gives the same adapter.
 */
public class LoraTrainActionTest {
  @TempDir Path tmp;

  @Test
  void trainsAnAdapterAndTheTasksSplitDoesNotChangeIt() throws Exception {
    SparkSession spark = LocalSpark.session();
    Path model = new TinyLlama(31, 2, false, true, false, 1.5).write(tmp.resolve("base"), "llama");
    String root = tmp.resolve("root").toString();
    writeExamples(spark, root, 12, 48);

    LoraTrainAction.Result one = LoraTrainAction.run(spark, config(root, model, "one", 1));
    LoraTrainAction.Result three = LoraTrainAction.run(spark, config(root, model, "three", 3));

    // a rerun of the first adapter finds its own run up to date, though another adapter ran since
    LoraTrainAction.Result oneAgain =
        LoraTrainAction.run(spark, config(root, model, "one", 1, "run.force", "false"));
    assertThat(oneAgain.kept()).isTrue();
    assertThat(oneAgain.adapterPath()).isEqualTo(one.adapterPath());

    assertThat(one.steps()).isEqualTo(12); // 12 sequences / batch 4 × 4 epochs
    assertThat(one.trainSequences()).isEqualTo(12);
    assertThat(one.validationSequences()).isEqualTo(4);
    assertThat(one.lastLoss()).isLessThan(one.firstLoss() / 2);
    assertThat(one.lastValidationLoss()).isLessThan(one.firstValidationLoss());

    LlamaConfig c;
    try (Checkpoint ck = Checkpoint.open(model)) {
      c = LlamaConfig.from(ck.config(), "base");
    }
    LoraAdapter a = LoraAdapter.read(Path.of(one.adapterPath()), c);
    LoraAdapter b = LoraAdapter.read(Path.of(three.adapterPath()), c);
    assertThat(a.settings().targetModules()).containsExactly("q_proj", "v_proj", "down_proj");
    assertThat(a.settings().baseModel()).isEqualTo("base"); // the folder's name, not a path
    double worst = 0;
    double largest = 0;
    for (Map.Entry<String, LoraAdapter.Pair> e : a.pairs().entrySet()) {
      float[] x = e.getValue().b();
      float[] y = b.pairs().get(e.getKey()).b();
      for (int i = 0; i < x.length; i++) {
        worst = Math.max(worst, Math.abs(x[i] - y[i]));
        largest = Math.max(largest, Math.abs(x[i]));
      }
    }
    assertThat(largest).isPositive(); // B moved from zero
    assertThat(worst / largest).isLessThan(1e-3);

    List<Row> metrics =
        spark
            .read()
            .parquet(root + "/lora_metrics")
            .filter("adapter = 'one'")
            .orderBy(LoraMetrics.STEP)
            .collectAsList();
    assertThat(metrics).hasSize(12);
    assertThat(metrics.get(0).<Double>getAs(LoraMetrics.LEARNING_RATE)).isZero(); // warmup
    assertThat(metrics.get(11).<Double>getAs(LoraMetrics.VALIDATION_LOSS)).isNotNull();
    assertThat(metrics.get(0).<Long>getAs(LoraMetrics.TOKENS)).isEqualTo(4 * 4);

    // the bundled prices have no rate for this checkpoint: its device time is unpriced, not free
    assertThat(one.costUsd()).isNull();
    Row ledger =
        spark
            .read()
            .parquet(root + "/cost_ledger")
            .filter("job = 'lora-train' and model = 'base+one'")
            .first();
    assertThat(ledger.<Long>getAs("requests")).isEqualTo(12);
    assertThat(ledger.<Double>getAs("device_seconds")).isEqualTo(one.deviceSeconds());
    assertThat(ledger.<Long>getAs("input_tokens")).isEqualTo(one.tokens());
    assertThat(ledger.<Object>getAs("cost_usd")).isNull();
  }

  @Test
  void deviceTimeIsCostedAtTheBaseModelsRate() throws Exception {
    SparkSession spark = LocalSpark.session();
    Path model = new TinyLlama(34, 2, false, false, false).write(tmp.resolve("base"), "llama");
    String root = tmp.resolve("root").toString();
    writeExamples(spark, root, 4, 48);
    Path prices =
        java.nio.file.Files.writeString(
            tmp.resolve("prices.conf"),
            "prices = [ { provider = local, model = base, device-hour = 3.6 } ]");
    LoraTrainAction.Result r =
        LoraTrainAction.run(
            spark,
            config(
                root,
                model,
                "priced",
                1,
                "lora-train.epochs",
                "1",
                "infer.prices",
                "\"" + prices + "\""));
    // 3.6 USD an hour is 0.001 USD a second
    assertThat(r.costUsd())
        .isCloseTo(r.deviceSeconds() * 0.001, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(r.costUsd()).isPositive();
  }

  /**
   * A run leaves checkpoints at steps 4 and 8 of 12; a rerun of the same inputs and keys continues
   * from step 8 and ends with the same adapter, bit for bit, and the metrics of all 12 steps.
   */
  @Test
  void aRerunContinuesFromTheLatestCheckpoint() throws Exception {
    SparkSession spark = LocalSpark.session();
    Path model = new TinyLlama(33, 2, false, false, false, 1.5).write(tmp.resolve("base"), "llama");
    String root = tmp.resolve("root").toString();
    writeExamples(spark, root, 12, 48);
    BatchConfig config =
        config(
            root,
            model,
            "resumed",
            2,
            "lora-train.checkpoint-every",
            "4",
            "lora-train.dropout",
            "0.1");

    LoraTrainAction.Result whole = LoraTrainAction.run(spark, config);
    Path runDir = Path.of(whole.adapterPath());
    assertThat(runDir.resolve("step-4/" + Checkpoints.STATE_FILE)).exists();
    assertThat(runDir.resolve("step-8/" + Checkpoints.OPTIMIZER_FILE)).exists();
    assertThat(runDir.resolve("step-12")).doesNotExist(); // the last step is the adapter itself

    LoraTrainAction.Result again = LoraTrainAction.run(spark, config);
    assertThat(again.steps()).isEqualTo(12);
    assertThat(again.firstLoss()).isEqualTo(whole.firstLoss()); // step 0's row, from the checkpoint
    assertThat(
            java.nio.file.Files.readAllBytes(
                Path.of(again.adapterPath(), LoraAdapter.WEIGHTS_FILE)))
        .isEqualTo(java.nio.file.Files.readAllBytes(runDir.resolve(LoraAdapter.WEIGHTS_FILE)));
    assertThat(again.deviceSeconds()).isLessThan(whole.deviceSeconds() * 0.9 + 5); // 4 steps ran
    List<Row> metrics =
        spark
            .read()
            .parquet(root + "/lora_metrics")
            .filter("adapter = 'resumed'")
            .orderBy(LoraMetrics.STEP)
            .collectAsList();
    assertThat(metrics)
        .extracting(r -> r.<Integer>getAs(LoraMetrics.STEP))
        .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
  }

  @Test
  void namesWhatDoesNotFit() throws Exception {
    SparkSession spark = LocalSpark.session();
    Path model = new TinyLlama(32, 2, false, false, false).write(tmp.resolve("base"), "llama");
    String root = tmp.resolve("root").toString();
    writeExamples(spark, root, 4, 60); // ids up to 59: the tiny model has 48
    assertThatThrownBy(() -> LoraTrainAction.run(spark, config(root, model, "x", 1)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vocabulary of 48")
        .hasMessageContaining("tokenized for another model");

    writeExamples(spark, tmp.resolve("root2").toString(), 4, 48);
    assertThatThrownBy(
            () ->
                LoraTrainAction.run(
                    spark,
                    config(
                        tmp.resolve("root2").toString(), model, "x", 1, "lora-train.rank", "20")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rank 20 is larger than");
  }

  private static BatchConfig config(
      String root, Path model, String name, int partitions, String... more) {
    Map<String, String> pairs = new LinkedHashMap<>();
    pairs.put("output.root", "\"" + root + "\"");
    pairs.put("run.date", "2026-11-27");
    pairs.put("lora-train.base-model", "\"" + model + "\"");
    pairs.put("lora-train.name", "\"" + name + "\"");
    pairs.put("lora-train.partitions", String.valueOf(partitions));
    pairs.put("lora-train.target-modules", "[\"q_proj\", \"v_proj\", \"down_proj\"]");
    pairs.put("lora-train.learning-rate", "0.02");
    pairs.put("lora-train.warmup-steps", "2");
    pairs.put("lora-train.batch-size", "4");
    pairs.put("lora-train.micro-batch", "2");
    pairs.put("lora-train.epochs", "4");
    pairs.put("lora-train.eval-every", "6");
    pairs.put("run.force", "true");
    for (int i = 0; i < more.length; i += 2) {
      pairs.put(more[i], more[i + 1]);
    }
    return BatchConfig.load(List.of(BatchConfig.parsePairs("test", pairs)));
  }

  /**
   * {@code train} question → answer examples (5 + 4 tokens, the answer trained) and 4 validation
   * ones of the same mapping; token ids below {@code vocab}.
   */
  public static void writeExamples(SparkSession spark, String root, int train, int vocab) {
    Random rnd = new Random(3);
    List<Row> rows = new ArrayList<>();
    List<long[]> answers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      answers.add(new long[] {rnd.nextInt(vocab), rnd.nextInt(vocab), rnd.nextInt(vocab), 1});
    }
    for (int i = 0; i < train + 4; i++) {
      long[] ids = new long[9];
      Long[] labels = new Long[9];
      long[] answer = answers.get(i % 4);
      for (int t = 0; t < 9; t++) {
        ids[t] = t < 5 ? (i % 4) * 3 + t % 3 + 2 + (t == 4 ? i % 2 : 0) : answer[t - 5];
        labels[t] = t < 5 ? -100L : ids[t];
      }
      Long[] boxed = new Long[9];
      for (int t = 0; t < 9; t++) {
        boxed[t] = Math.min(ids[t], vocab - 1);
        labels[t] = labels[t] == -100L ? -100L : boxed[t];
      }
      rows.add(
          RowFactory.create(
              String.format("ex-%03d", i),
              "dataset",
              null,
              null,
              null,
              null,
              null,
              null,
              "[]",
              null,
              false,
              0,
              "c" + i,
              i < train ? "train" : "validation",
              boxed,
              labels,
              9,
              4));
    }
    spark
        .createDataFrame(rows, FinetuneExamples.SCHEMA)
        .write()
        .mode("overwrite")
        .parquet(root + "/finetune_examples/run_date=2026-11-27");
  }
}
