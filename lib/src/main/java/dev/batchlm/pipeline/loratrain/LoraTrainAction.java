package dev.batchlm.pipeline.loratrain;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.config.Resources;
import dev.batchlm.cost.Prices;
import dev.batchlm.llm.TokenUsage;
import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.LocalCopies;
import dev.batchlm.table.CostLedger;
import dev.batchlm.table.LoraMetrics;
import dev.batchlm.train.AdamW;
import dev.batchlm.train.Gradients;
import dev.batchlm.train.LearningRate;
import dev.batchlm.train.LoraTrainer;
import dev.batchlm.train.LoraWorker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * lora-train: a LoRA adapter trained on the run date's fine-tuning examples, data-parallel over the
 * executors and synchronous. Each step the driver broadcasts the LoRA matrices (small), every task
 * computes the gradients of its share of the step's batch ({@link LoraWorker}; base weights loaded
 * once per executor), the shares are summed in task order (groups on the executors, then the
 * driver: the same sum on every run), and the driver applies AdamW ({@link LoraTrainer}). The
 * adapter is written in PEFT's layout under {@code ROOT/adapters/<name>/<run_id>/}, and every
 * step's loss in {@code lora_metrics}.
 *
 * <p>The examples are taken in an order shuffled per epoch by the seed, and each step's batch is
 * spread over all tasks (position modulo the partitions), so that a run gives the same adapter on
 * any number of executors, up to float rounding.
 */
public final class LoraTrainAction {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("batchlm");

  private LoraTrainAction() {}

  /** What one lora-train run did. */
  public record Result(
      String runId,
      LocalDate runDate,
      String adapter,
      int steps,
      int resumedAtStep,
      long trainSequences,
      long validationSequences,
      double firstLoss,
      double lastLoss,
      Double firstValidationLoss,
      Double lastValidationLoss,
      long tokens,
      double deviceSeconds,
      Double costUsd,
      double seconds,
      String adapterPath,
      boolean kept) {}

  /** A step's row of lora_metrics, before it is written (and in checkpoints). */
  record StepRow(
      int step,
      int epoch,
      double loss,
      double lr,
      double gradNorm,
      long tokens,
      double seconds,
      Double validation,
      double deviceSeconds) {}

  /** Whether {@code pipeline} trains an adapter: {@code lora-train.base-model} is set. */
  public static boolean configured(BatchConfig config) {
    return !config.get(ConfigKeys.LORA_BASE_MODEL).isEmpty();
  }

  public static Result run(org.apache.spark.sql.SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "lora-train", config);
    var kept = run.kept(LoraMetrics.SPEC, config.get(ConfigKeys.LORA_NAME), Result.class);
    if (kept.isPresent()) {
      return kept.get();
    }
    Settings s = Settings.from(config);
    LlamaConfig model = plan(config, run.hadoopConf());
    run.stages.start("read");
    TrainingData data = TrainingData.read(run);
    run.input(s.baseModel);
    data.checkTokens(model, s.baseModel);
    LoraAdapter initial = LoraAdapter.initialized(s.lora(model, s.baseModel), model, s.seed);
    run.stages.done(
        data.train()
            + " train and "
            + data.validation()
            + " validation sequences ("
            + data.table()
            + "), "
            + s.totalSteps(data.train())
            + " steps");

    run.stages.start("train");
    Training t = train(run, s, data, initial, model);
    run.stages.done(
        String.format(
            Locale.ROOT,
            "%d steps, loss %.4f → %.4f, validation %s → %s",
            t.rows.size(),
            t.rows.get(0).loss(),
            t.rows.get(t.rows.size() - 1).loss(),
            format(t.firstValidation),
            format(t.lastValidation)));

    run.stages.start("write");
    Path adapterDir = new Path(run.root, "adapters/" + s.name + "/" + run.runId);
    writeAdapter(t.trainer.adapter(), adapterDir, run.hadoopConf());
    run.output.stage(LoraMetrics.SPEC, metrics(run, s, t.rows), run.runDate.toString(), s.name);
    long tokens = t.rows.stream().mapToLong(StepRow::tokens).sum();
    double device = t.rows.stream().mapToDouble(StepRow::deviceSeconds).sum();
    Double cost = deviceCost(run, s, device);
    run.output.stage(
        CostLedger.SPEC,
        ledger(run, s, t.rows.size(), tokens, device, cost),
        run.runDate.toString(),
        run.runId);
    run.stages.done(t.rows.size() + " metric rows; adapter " + adapterDir);
    data.unpersist();

    double seconds = t.rows.stream().mapToDouble(StepRow::seconds).sum();
    run.counters.put("steps", t.rows.size());
    run.counters.put("resumed_at_step", t.resumedAtStep);
    run.counters.put("tokens", tokens);
    run.counters.put("device_seconds", device);
    run.counters.put("cost_usd", cost == null ? "unpriced" : cost);
    return run.commit(
        new Result(
            run.runId,
            run.runDate,
            s.name,
            t.rows.size(),
            t.resumedAtStep,
            data.train(),
            data.validation(),
            t.rows.get(0).loss(),
            t.rows.get(t.rows.size() - 1).loss(),
            t.firstValidation,
            t.lastValidation,
            tokens,
            device,
            cost,
            seconds,
            adapterDir.toString(),
            false),
        true);
  }

  private static String format(Double loss) {
    return loss == null ? "n/a" : String.format(Locale.ROOT, "%.4f", loss);
  }

  /** The job's keys, read once. */
  record Settings(
      String baseModel,
      String name,
      int rank,
      double alpha,
      double dropout,
      List<String> targets,
      boolean rsLora,
      double learningRate,
      double weightDecay,
      String schedule,
      int warmupSteps,
      double maxGradNorm,
      int batchSize,
      int microBatch,
      int epochs,
      int maxSteps,
      int evalEvery,
      int checkpointEvery,
      int partitions,
      long seed)
      implements java.io.Serializable {
    static Settings from(BatchConfig c) {
      String base = c.get(ConfigKeys.LORA_BASE_MODEL);
      if (base.isEmpty()) {
        base = c.get(ConfigKeys.FTPREP_BASE_MODEL);
      }
      if (base.isEmpty()) {
        throw new ConfigException(
            "lora-train needs a base model: set lora-train.base-model (or ft-prep.base-model, whose"
                + " tokenizer made the examples)");
      }
      return new Settings(
          base,
          c.get(ConfigKeys.LORA_NAME),
          c.get(ConfigKeys.LORA_RANK),
          c.get(ConfigKeys.LORA_ALPHA),
          c.get(ConfigKeys.LORA_DROPOUT),
          c.get(ConfigKeys.LORA_TARGET_MODULES),
          c.get(ConfigKeys.LORA_RSLORA),
          c.get(ConfigKeys.LORA_LEARNING_RATE),
          c.get(ConfigKeys.LORA_WEIGHT_DECAY),
          c.get(ConfigKeys.LORA_SCHEDULE),
          c.get(ConfigKeys.LORA_WARMUP_STEPS),
          c.get(ConfigKeys.LORA_MAX_GRAD_NORM),
          c.get(ConfigKeys.LORA_BATCH_SIZE),
          c.get(ConfigKeys.LORA_MICRO_BATCH),
          c.get(ConfigKeys.LORA_EPOCHS),
          c.get(ConfigKeys.LORA_MAX_STEPS),
          c.get(ConfigKeys.LORA_EVAL_EVERY),
          c.get(ConfigKeys.LORA_CHECKPOINT_EVERY),
          c.get(ConfigKeys.LORA_PARTITIONS),
          c.get(ConfigKeys.LORA_SEED));
    }

    LoraAdapter.Settings lora(LlamaConfig model, String base) {
      try {
        return new LoraAdapter.Settings(
            rank, alpha, dropout, targets, rsLora, new Path(base).getName());
      } catch (IllegalArgumentException e) {
        throw new ConfigException(e.getMessage() + " (lora-train.target-modules)", e);
      }
    }

    int stepsPerEpoch(long train) {
      return (int) ((train + batchSize - 1) / batchSize);
    }

    int totalSteps(long train) {
      int all = stepsPerEpoch(train) * epochs;
      return maxSteps > 0 ? Math.min(maxSteps, all) : all;
    }
  }

  /** What the training loop leaves. */
  private record Training(
      LoraTrainer trainer,
      List<StepRow> rows,
      int resumedAtStep,
      Double firstValidation,
      Double lastValidation) {}

  private static Training train(
      JobRun run, Settings s, TrainingData data, LoraAdapter initial, LlamaConfig model) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(run.spark.sparkContext());
    int partitions = s.partitions > 0 ? s.partitions : sc.defaultParallelism();
    int total = s.totalSteps(data.train());
    int perEpoch = s.stepsPerEpoch(data.train());
    LoraTrainer trainer =
        new LoraTrainer(
            initial,
            new AdamW(AdamW.Settings.torchDefaults(s.weightDecay)),
            new LearningRate(s.learningRate, s.warmupSteps, total, s.schedule),
            s.maxGradNorm);
    HadoopConf conf = run.hadoopConf();
    Path adapterDir = new Path(run.root, "adapters/" + s.name);
    String fingerprint = fingerprint(run, s);
    List<StepRow> rows = new ArrayList<>();
    Double firstValidation;
    var saved = Checkpoints.latest(adapterDir, fingerprint, model, conf);
    if (saved.isPresent()) {
      Checkpoints.Saved c = saved.get();
      trainer.restore(c.adapter());
      trainer.optimizer().restore(c.optimizerSteps(), c.firstMoments(), c.secondMoments());
      rows.addAll(c.rows());
      firstValidation = c.firstValidation();
      LOG.info("[lora-train] continuing from {} ({} of {} steps done)", c.dir(), c.steps(), total);
    } else {
      firstValidation = Shares.validationLoss(sc, s, conf, data, initial);
    }
    Double lastValidation = firstValidation;
    int resumedAt = rows.size();
    JavaRDD<List<LoraWorker.Indexed>> order = null;
    for (int step = rows.size(); step < total; step++) {
      int epoch = step / perEpoch;
      if (order == null || step % perEpoch == 0) {
        if (order != null) {
          order.unpersist();
        }
        order = TrainingData.epochOrder(data.trainRows(), s.seed, epoch, partitions);
      }
      long from = (long) (step % perEpoch) * s.batchSize;
      long to = Math.min(data.train(), from + s.batchSize);
      long t0 = System.nanoTime();
      Broadcast<LoraAdapter> params = sc.broadcast(trainer.adapter());
      Gradients g = Shares.stepGradients(order, params, s, conf, from, to, step).perToken();
      params.destroy();
      LoraTrainer.StepLog log = trainer.step(g);
      double seconds = (System.nanoTime() - t0) / 1e9;
      boolean evaluate = step == total - 1 || (s.evalEvery > 0 && (step + 1) % s.evalEvery == 0);
      Double validation = null;
      if (evaluate) {
        validation = Shares.validationLoss(sc, s, conf, data, trainer.adapter());
        lastValidation = validation;
      }
      rows.add(
          new StepRow(
              step,
              epoch,
              log.loss(),
              log.learningRate(),
              log.gradNorm(),
              log.tokens(),
              seconds,
              validation,
              g.seconds()));
      if (s.checkpointEvery > 0 && (step + 1) % s.checkpointEvery == 0 && step + 1 < total) {
        Checkpoints.save(
            new Path(adapterDir, run.runId),
            fingerprint,
            trainer.adapter(),
            trainer.optimizer(),
            rows,
            firstValidation,
            conf);
      }
    }
    if (order != null) {
      order.unpersist();
    }
    return new Training(trainer, rows, resumedAt, firstValidation, lastValidation);
  }

  /**
   * What this run trains, as a hash: the date, the examples read (their listing's fingerprint), the
   * base model and every lora-train key. A checkpoint is continued only by a run whose fingerprint
   * is its own.
   */
  private static String fingerprint(JobRun run, Settings s) {
    StringBuilder b = new StringBuilder(run.runDate.toString()).append('\n');
    new java.util.TreeMap<>(run.fingerprints)
        .forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
    b.append(s).append('\n');
    return dev.batchlm.doc.ContentHash.id(32, b.toString());
  }

  /**
   * What can be checked before Spark starts: the keys, the base model's config, and that the
   * adapter fits it (target modules, rank). The base model's config.
   */
  public static LlamaConfig plan(BatchConfig config, HadoopConf conf) {
    Settings s = Settings.from(config);
    LlamaConfig model;
    try (Checkpoint c = Checkpoint.open(LocalCopies.of(s.baseModel, conf.get()))) {
      model = LlamaConfig.from(c.config(), s.baseModel + "/config.json");
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new ConfigException(
          "Cannot use lora-train.base-model " + s.baseModel + ": " + e.getMessage(), e);
    }
    try {
      LoraAdapter.initialized(s.lora(model, s.baseModel), model, s.seed);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage() + " (lora-train.rank)", e);
    }
    return model;
  }

  /** Written on local disk in PEFT's layout, then copied to the (Hadoop) destination. */
  static void writeAdapter(LoraAdapter adapter, Path dir, HadoopConf conf) {
    try {
      java.nio.file.Path local = Files.createTempDirectory("batchlm-adapter-");
      adapter.write(local);
      Checkpoints.upload(local, dir, dir.getFileSystem(conf.get()));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the adapter to " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * The training's device time at the base model's device-hour rate in the price table ({@code
   * infer.prices}, provider {@code local}, the base folder's name), as local inference is costed;
   * null when the table has no rate for it.
   */
  private static Double deviceCost(JobRun run, Settings s, double deviceSeconds) {
    String at = run.config.get(ConfigKeys.INFER_PRICES);
    Prices prices = Prices.parse(at, Resources.read(at, run.hadoopConf().get(), "infer.prices"));
    return prices
        .forLocalModel(new Path(s.baseModel).getName())
        .map(p -> p.cost(TokenUsage.ZERO, deviceSeconds * 1000))
        .orElse(null);
  }

  /**
   * The run's row of cost_ledger: its steps as requests, the trained tokens as input tokens, its
   * device time and cost; the model is the base folder and the adapter's name.
   */
  private static Dataset<Row> ledger(
      JobRun run, Settings s, int steps, long tokens, double deviceSeconds, Double cost) {
    Row row =
        RowFactory.create(
            "lora-train",
            "local",
            new Path(s.baseModel).getName() + "+" + s.name,
            "",
            (long) steps,
            0L,
            0L,
            tokens,
            0L,
            0L,
            cost,
            null,
            deviceSeconds,
            tokens,
            0L,
            null);
    return run.spark.createDataFrame(List.of(row), CostLedger.SCHEMA);
  }

  private static Dataset<Row> metrics(JobRun run, Settings s, List<StepRow> rows) {
    List<Row> out = new ArrayList<>();
    for (StepRow r : rows) {
      out.add(
          RowFactory.create(
              run.runId,
              s.name,
              r.step(),
              r.epoch(),
              r.loss(),
              r.lr(),
              r.gradNorm(),
              r.tokens(),
              r.tokens() / Math.max(1e-9, r.seconds()),
              r.validation(),
              r.deviceSeconds(),
              r.seconds()));
    }
    return run.spark.createDataFrame(out, LoraMetrics.SCHEMA);
  }
}
