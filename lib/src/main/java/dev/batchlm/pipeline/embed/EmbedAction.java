package dev.batchlm.pipeline.embed;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.doc.Problem;
import dev.batchlm.embed.Embedder;
import dev.batchlm.embed.LocalEncoderEmbedder;
import dev.batchlm.embed.OpenAiEmbedder;
import dev.batchlm.llm.RetryPolicy;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.ExecutorCache;
import dev.batchlm.spark.GpuBinding;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.LocalCopies;
import dev.batchlm.table.Chunks;
import dev.batchlm.table.Embeddings;
import dev.batchlm.table.ParquetFooters;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.RunCommit;
import java.io.Serializable;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;

/**
 * Embed: the run date's {@code chunks} into {@code embeddings} with a local BERT-family encoder on
 * the executors. Incremental: a chunk id that already has a vector from the same model (same
 * weights) in an earlier partition is carried over, not embedded again. A group of chunks the
 * encoder fails on is quarantined (stage {@code embed}) and the rest still written.
 */
public final class EmbedAction {
  private EmbedAction() {}

  /** Chunks embedded per call to the encoder on an executor (it buckets them by length). */
  private static final int GROUP = 256;

  /** Counts of one embed run. */
  public record Result(
      String runId,
      LocalDate runDate,
      Embedder.ModelInfo model,
      long chunks,
      long embedded,
      long carried,
      long truncated,
      long quarantined,
      String embeddingsPath,
      boolean kept) {}

  /**
   * The embedder's settings, sent to executors: a local checkpoint folder, or an OpenAI-compatible
   * endpoint whose API key each executor reads from its own environment (never shipped by Spark).
   */
  public record Settings(
      String modelPath,
      LocalEncoderEmbedder.Options options,
      String endpoint,
      String endpointModel,
      String apiKeyEnv,
      long timeoutMillis,
      int maxAttempts)
      implements Serializable {
    public static Settings from(BatchConfig config, String prefix) {
      String endpoint = config.get(ConfigKeys.EMBED_ENDPOINT);
      String model = config.isSet(ConfigKeys.EMBED_MODEL) ? config.get(ConfigKeys.EMBED_MODEL) : "";
      if (endpoint.isEmpty() && model.isEmpty()) {
        throw new ConfigException(
            "embed.model is not set: set it to a checkpoint folder, or set embed.endpoint");
      }
      if (!endpoint.isEmpty() && config.get(ConfigKeys.EMBED_ENDPOINT_MODEL).isEmpty()) {
        throw new ConfigException(
            "embed.endpoint-model is not set: the model name to send to " + endpoint);
      }
      String normalize = config.get(ConfigKeys.EMBED_NORMALIZE);
      return new Settings(
          model,
          new LocalEncoderEmbedder.Options(
              config.get(ConfigKeys.EMBED_POOLING),
              normalize.equals("auto") ? null : Boolean.valueOf(normalize),
              prefix,
              config.get(ConfigKeys.EMBED_BATCH_SIZE),
              config.get(ConfigKeys.EMBED_MAX_LENGTH)),
          endpoint,
          config.get(ConfigKeys.EMBED_ENDPOINT_MODEL),
          config.get(ConfigKeys.EMBED_API_KEY_ENV),
          config.get(ConfigKeys.EMBED_TIMEOUT_MS),
          config.get(ConfigKeys.EMBED_MAX_ATTEMPTS));
    }

    /** Where the vectors come from, for messages and manifests. */
    public String source() {
      return endpoint.isEmpty() ? modelPath : endpoint + " (" + endpointModel + ")";
    }

    /**
     * The embedder, built (on the driver) so that a bad model or endpoint fails before any task.
     */
    public Embedder load(HadoopConf conf) {
      try {
        return embedder(conf);
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        throw new ConfigException("Cannot use embed.model " + source() + ": " + e.getMessage(), e);
      }
    }

    public Embedder embedder(HadoopConf conf) {
      return ExecutorCache.get(
          "embedder:" + this,
          () -> {
            if (!endpoint.isEmpty()) {
              String key = apiKeyEnv.isEmpty() ? null : System.getenv(apiKeyEnv);
              return new OpenAiEmbedder(
                  endpoint,
                  endpointModel,
                  key,
                  options.batchSize(),
                  java.time.Duration.ofMillis(timeoutMillis),
                  new RetryPolicy(maxAttempts, 500, 30_000, 10 * 60_000),
                  RetryPolicy.Sleeper.REAL);
            }
            return new LocalEncoderEmbedder(LocalCopies.of(modelPath, conf.get()), options);
          });
    }
  }

  /** Whether the config asks for embeddings (a model folder or an endpoint). */
  public static boolean configured(BatchConfig config) {
    return config.isSet(ConfigKeys.EMBED_MODEL) || config.isSet(ConfigKeys.EMBED_ENDPOINT);
  }

  public static Result run(SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "embed", config);
    Optional<Result> kept = run.kept(Embeddings.SPEC, Result.class);
    if (kept.isPresent()) {
      return kept.get();
    }
    Settings settings = Settings.from(config, config.get(ConfigKeys.EMBED_PASSAGE_PREFIX));
    Embedder.ModelInfo model = loadModel(run, settings);
    Work work = readChunks(run, model);
    Embedded out = embed(run, settings, model, work);
    run.counters.put("model", modelCounters(out.model()));
    run.counters.put("gpu_addresses", out.gpus());
    run.rowsIn = work.chunks();
    run.counters.put("chunks", work.chunks());
    run.counters.put("carried", work.carried());
    run.counters.put("embedded", out.written().rows() - work.carried());
    run.counters.put("truncated", out.truncated());
    // an endpoint's failed chunks are quarantined: its rerun embeds them again
    boolean complete = settings.endpoint().isEmpty() || out.quarantined().rows() == 0;
    return run.commit(
        new Result(
            run.runId,
            run.runDate,
            out.model(),
            work.chunks(),
            out.written().rows() - work.carried(),
            work.carried(),
            out.truncated(),
            out.quarantined().rows(),
            out.written().target().toString(),
            false),
        complete);
  }

  private static Embedder.ModelInfo loadModel(JobRun run, Settings settings) {
    run.stages.start("load model");
    Embedder.ModelInfo model = settings.load(run.hadoopConf()).info();
    run.input(settings.source());
    run.stages.done(model.modelId() + ", dim " + model.dim() + ", " + model.pooling() + " pooling");
    return model;
  }

  /** The chunks to embed, and this model's vectors of earlier runs that are carried over. */
  private record Work(Dataset<Row> toEmbed, Dataset<Row> carriedRows, long chunks, long carried) {}

  private static Work readChunks(JobRun run, Embedder.ModelInfo model) {
    run.stages.start("read chunks");
    BatchConfig config = run.config;
    Dataset<Row> chunks =
        run.readPartition(
                Chunks.SPEC,
                config.isSet(ConfigKeys.EMBED_INPUT)
                    ? new Path(config.get(ConfigKeys.EMBED_INPUT))
                    : null,
                "chunk")
            .select(Chunks.CHUNK_ID, Chunks.TEXT, Chunks.DOC_ID);
    Dataset<Row> previous =
        run.readReusable(Embeddings.SPEC)
            // vectors made with other settings (pooling, length, prefix...) are not reused
            .filter(
                col(Embeddings.MODEL_ID)
                    .equalTo(model.modelId())
                    .and(col(Embeddings.SETTINGS).equalTo(model.settings())))
            .dropDuplicates(Embeddings.CHUNK_ID);
    Dataset<Row> carried =
        previous
            .join(
                chunks.select(col(Chunks.CHUNK_ID).as("c_id")),
                col(Embeddings.CHUNK_ID).equalTo(col("c_id")),
                "left_semi")
            .withColumn(Embeddings.RUN_ID, lit(run.runId));
    Dataset<Row> toEmbed =
        chunks.join(
            previous.select(col(Embeddings.CHUNK_ID).as("p_id")),
            col(Chunks.CHUNK_ID).equalTo(col("p_id")),
            "left_anti");
    Work work = new Work(toEmbed, carried, chunks.count(), carried.count());
    run.stages.done(
        work.chunks() + " chunks, " + work.carried() + " already embedded by this model");
    return work;
  }

  /** What the embed stage wrote; {@code model} knows its dimension once an endpoint answered. */
  private record Embedded(
      RunCommit.Staged written,
      RunCommit.Staged quarantined,
      long truncated,
      Embedder.ModelInfo model,
      Set<String> gpus) {}

  private static Embedded embed(
      JobRun run, Settings settings, Embedder.ModelInfo model, Work work) {
    run.stages.start("embed");
    HadoopConf conf = run.hadoopConf();
    CollectionAccumulator<String> gpus =
        run.spark.sparkContext().collectionAccumulator("embed GPUs");
    JavaRDD<JobRun.Output> produced =
        work.toEmbed()
            .javaRDD()
            .mapPartitions(
                new EmbedPartition(
                    gpus, settings, conf, model.modelId(), run.runId, Timestamp.from(run.started)));
    RunCommit.Staged written;
    RunCommit.Staged bad;
    long truncated;
    try (JobRun.Produced out = run.split(produced, Embeddings.SPEC)) {
      written =
          run.output.stage(
              Embeddings.SPEC, out.rows().unionByName(work.carriedRows()), run.runDate.toString());
      bad = run.output.stage(Quarantine.SPEC, out.quarantine(), run.runDate.toString(), "embed");
      truncated = out.rows().filter(col(Embeddings.TRUNCATED)).count();
    }
    if (model.dim() == 0 && written.rows() > 0) {
      // an endpoint tells its dimension only with its vectors
      Row dim =
          run.spark
              .read()
              .parquet(written.staging().toString())
              .agg(max(Embeddings.DIM).as("dim"))
              .first();
      model = model.withDim(dim.<Integer>getAs("dim"));
    }
    ParquetFooters.addMetadata(written.staging(), footer(model), conf.get());
    run.stages.done(
        written.rows()
            + " vectors ("
            + truncated
            + " truncated), "
            + bad.rows()
            + " chunks quarantined");
    return new Embedded(written, bad, truncated, model, new TreeSet<>(gpus.value()));
  }

  /** The model's identity in the Parquet footer of every vectors file. */
  private static Map<String, String> footer(Embedder.ModelInfo model) {
    return Map.of(
        "batchlm.model_id", model.modelId(),
        "batchlm.weights_sha256", model.weightsHash(),
        "batchlm.tokenizer_sha256", model.tokenizerHash(),
        "batchlm.dim", Integer.toString(model.dim()),
        "batchlm.pooling", model.pooling(),
        "batchlm.normalized", Boolean.toString(model.normalized()),
        "batchlm.settings", model.settings());
  }

  private static Map<String, Object> modelCounters(Embedder.ModelInfo model) {
    return Map.of(
        "model_id", model.modelId(),
        "weights_sha256", model.weightsHash(),
        "tokenizer_sha256", model.tokenizerHash(),
        "dim", model.dim(),
        "pooling", model.pooling(),
        "normalized", model.normalized(),
        "settings", model.settings());
  }

  /**
   * Executor side: embeds a partition's chunks in groups. Emits {@code embeddings} rows, or {@code
   * quarantine} rows for a group the encoder fails on (the two have different widths).
   */
  static final class EmbedPartition implements FlatMapFunction<Iterator<Row>, JobRun.Output> {
    private final CollectionAccumulator<String> gpus;
    private final Settings settings;
    private final HadoopConf conf;
    private final String modelId;
    private final String runId;
    private final Timestamp now;

    EmbedPartition(
        CollectionAccumulator<String> gpus,
        Settings settings,
        HadoopConf conf,
        String modelId,
        String runId,
        Timestamp now) {
      this.gpus = gpus;
      this.settings = settings;
      this.conf = conf;
      this.modelId = modelId;
      this.runId = runId;
      this.now = now;
    }

    @Override
    public Iterator<JobRun.Output> call(Iterator<Row> chunks) {
      GpuBinding.bindTaskGpu().ifPresent(gpus::add);
      Embedder embedder = settings.embedder(conf);
      List<JobRun.Output> out = new ArrayList<>();
      List<Row> group = new ArrayList<>(GROUP);
      while (chunks.hasNext()) {
        group.add(chunks.next());
        if (group.size() == GROUP || !chunks.hasNext()) {
          embedGroup(embedder, group, out);
          group.clear();
        }
      }
      return out.iterator();
    }

    private void embedGroup(Embedder embedder, List<Row> group, List<JobRun.Output> out) {
      List<String> texts = group.stream().map(r -> r.<String>getAs(Chunks.TEXT)).toList();
      List<Embedder.Embedding> vectors;
      try {
        vectors = embedder.embed(texts);
      } catch (RuntimeException e) {
        for (Row r : group) {
          out.add(
              JobRun.Output.quarantined(
                  Quarantine.row(
                      runId,
                      "doc_id=" + r.getAs(Chunks.DOC_ID) + "#chunk_id=" + r.getAs(Chunks.CHUNK_ID),
                      Problem.ErrorClass.EMBEDDING_FAILED.code(),
                      "encoder failed: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
                      now)));
        }
        return;
      }
      for (int i = 0; i < group.size(); i++) {
        float[] v = vectors.get(i).vector();
        Float[] boxed = new Float[v.length];
        for (int j = 0; j < v.length; j++) {
          boxed[j] = v[j];
        }
        out.add(
            JobRun.Output.row(
                RowFactory.create(
                    runId,
                    group.get(i).getAs(Chunks.CHUNK_ID),
                    modelId,
                    v.length,
                    boxed,
                    embedder.info().normalized(),
                    vectors.get(i).truncated(),
                    embedder.info().settings())));
      }
    }
  }
}
