package dev.batchlm.pipeline.ftprep;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.finetune.ChatFormats;
import dev.batchlm.finetune.Decontamination;
import dev.batchlm.finetune.ExampleFilter;
import dev.batchlm.finetune.ExampleTokenizer;
import dev.batchlm.finetune.MinHash;
import dev.batchlm.finetune.Packing;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.ExecutorCache;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.LocalCopies;
import dev.batchlm.table.FinetuneExamples;
import dev.batchlm.table.FinetunePacked;
import dev.batchlm.table.FinetuneReport;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.Quarantine;
import dev.batchlm.tokenizer.ChatTemplate;
import dev.batchlm.tokenizer.HfTokenizer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * ft-prep: the night's answers that users approved (and chat datasets) into clean training
 * examples. Each stage drops what fails it with a named reason, and {@code finetune_report} counts
 * every outcome of every stage, so an analyst sees the funnel: read, selected by feedback, filtered
 * (size, refusals, repetition, language, personal data), exact and near duplicates, overlap with
 * the evaluation sets, and the split.
 *
 * <p>With a base model the examples are tokenized, and with {@code ft-prep.packing} packed into
 * training sequences ({@link PackedSequences}).
 */
public final class FtPrepAction {
  private FtPrepAction() {}

  /** What one ft-prep run did. */
  public record Result(
      String runId,
      LocalDate runDate,
      Map<String, Long> funnel,
      Map<String, Long> dropped,
      Map<String, Long> piiMasked,
      long train,
      long validation,
      long quarantined,
      Packed packing,
      String examplesPath,
      boolean kept) {}

  /** How the examples were packed: none (null strategy), or into so many sequences. */
  public record Packed(String strategy, int maxLength, long sequences, long tokens) {
    /** The share of the sequences' room that holds tokens. */
    public double efficiency() {
      return sequences == 0 ? 0 : tokens / ((double) sequences * maxLength);
    }
  }

  /** Whether there is anything to prepare: feedback on answers, or chat datasets. */
  public static boolean configured(BatchConfig config) {
    return !config.get(ConfigKeys.FTPREP_FEEDBACK).isEmpty()
        || !config.get(ConfigKeys.FTPREP_DATASETS).isEmpty();
  }

  public static Result run(SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "ft-prep", config);
    Optional<Result> kept = run.kept(FinetuneExamples.SPEC, Result.class);
    if (kept.isPresent()) {
      return kept.get();
    }
    Funnel funnel = new Funnel();
    List<Dataset<Row>> quarantined = new ArrayList<>();

    run.stages.start("read");
    Dataset<Row> candidates = read(run, funnel, quarantined);
    run.stages.done(funnel.line("read"));

    run.stages.start("filter");
    candidates = funnel.keep("filter", filtered(run, candidates));
    funnel.pii(candidates);
    run.stages.done(funnel.line("filter"));

    run.stages.start("deduplicate");
    candidates = funnel.keep("exact_duplicates", exactDuplicates(candidates));
    Dataset<Row> clustered = clustered(run, candidates);
    candidates = funnel.keep("near_duplicates", nearDuplicates(clustered));
    run.stages.done(
        "exact: " + funnel.line("exact_duplicates") + "; near: " + funnel.line("near_duplicates"));

    run.stages.start("decontaminate");
    candidates = funnel.keep("decontaminate", decontaminated(run, candidates));
    run.stages.done(funnel.line("decontaminate"));

    run.stages.start("tokenize");
    candidates = funnel.keep("tokenize", tokenized(run, split(run, candidates)));
    run.stages.done(funnel.line("tokenize"));

    return write(run, funnel, candidates, quarantined);
  }

  /**
   * The sources' candidates, those the feedback policy rejects counted and left behind. Without
   * feedback no answer is selected, and the night's answers are not read.
   */
  private static Dataset<Row> read(JobRun run, Funnel funnel, List<Dataset<Row>> quarantined) {
    Dataset<Row> fromDatasets =
        Sources.datasets(
            run, run.config.get(ConfigKeys.FTPREP_DATASETS), quarantined, funnel.cachedLines);
    String feedbackPath = run.config.get(ConfigKeys.FTPREP_FEEDBACK);
    if (feedbackPath.isEmpty()) {
      return funnel.keep("read", fromDatasets);
    }
    Sources.FeedbackRead feedback = Sources.feedback(run, feedbackPath, funnel.cachedLines);
    quarantined.add(feedback.quarantined());
    Dataset<Row> latest = funnel.hold(Sources.latest(feedback.feedback()));
    int minRating = run.config.get(ConfigKeys.FTPREP_MIN_RATING);
    Dataset<Row> results = run.readPartition(InferenceResults.SPEC, null, "infer");
    Dataset<Row> fromInference =
        Candidate.ROWS.dataset(
            run.spark,
            Sources.RATED
                .rows(Sources.rated(results, latest))
                .map(r -> Sources.candidate(r, minRating)));
    funnel.outcome(
        "read", "feedback_for_unknown_request", Sources.unknownRequests(results, latest));
    return funnel.keep("read", fromInference.unionByName(fromDatasets));
  }

  /** Size, refusals, repetition, language and personal data, per example on the executors. */
  static Dataset<Row> filtered(JobRun run, Dataset<Row> candidates) {
    ExampleFilter.Settings settings =
        new ExampleFilter.Settings(
            run.config.get(ConfigKeys.FTPREP_PII).equals("drop"),
            run.config.get(ConfigKeys.FTPREP_MIN_ANSWER_CHARS),
            run.config.get(ConfigKeys.FTPREP_MAX_CHARS),
            run.config.get(ConfigKeys.FTPREP_REFUSALS),
            run.config.get(ConfigKeys.FTPREP_LANGUAGES));
    JavaRDD<Candidate> out =
        Candidate.ROWS
            .rows(candidates)
            .mapPartitions(
                (Iterator<Candidate> it) -> {
                  ExampleFilter filter = new ExampleFilter(settings); // one detector per task
                  return new Iterator<Candidate>() { // one example at a time: memory stays flat
                    @Override
                    public boolean hasNext() {
                      return it.hasNext();
                    }

                    @Override
                    public Candidate next() {
                      return filter(filter, it.next());
                    }
                  };
                });
    return Candidate.ROWS.dataset(run.spark, out);
  }

  private static Candidate filter(ExampleFilter filter, Candidate c) {
    ExampleFilter.Outcome o = filter.apply(ChatFormats.fromArray(c.messages()));
    List<String> kinds = new ArrayList<>();
    o.pii().forEach((kind, n) -> kinds.addAll(Collections.nCopies(n, kind.column())));
    return c.filtered(ChatFormats.toArray(o.messages()), kinds, o.dropped());
  }

  /**
   * The order in which one of several equal examples is kept: a corrected answer first, then the
   * highest rating, the newest, and the smallest id (so that every run keeps the same).
   */
  private static Column[] keepOrder() {
    return new Column[] {
      col("corrected").desc(),
      col("rating").desc_nulls_last(),
      col("created_at").desc_nulls_last(),
      col("example_id").asc()
    };
  }

  /** Examples whose text, lower-cased with its spaces collapsed, equals a kept one's. */
  static Dataset<Row> exactDuplicates(Dataset<Row> candidates) {
    Dataset<Row> keyed =
        candidates.withColumn(
            "_text", sha2(regexp_replace(lower(col("messages")), "\\s+", " "), 256));
    return keyed
        .withColumn("_n", row_number().over(Window.partitionBy("_text").orderBy(keepOrder())))
        .withColumn("dropped", when(col("_n").gt(1), lit("exact_duplicate")))
        .select(Candidate.ROWS.columns());
  }

  /**
   * MinHash values per text: more values make the bands' S-curve steeper, so fewer pairs just above
   * the threshold are missed (the demo's pair of J = 0.86 was, at 128), for more hashing.
   */
  static final int NEAR_DUP_PERMUTATIONS = 256;

  /** Each candidate with its near-duplicate cluster (the least example id of the cluster). */
  static Dataset<Row> clustered(JobRun run, Dataset<Row> candidates) {
    double threshold = run.config.get(ConfigKeys.FTPREP_NEAR_DUP_THRESHOLD);
    MinHash minHash =
        MinHash.forThreshold(
            threshold, NEAR_DUP_PERMUTATIONS, 5, run.config.get(ConfigKeys.RUN_SEED));
    Dataset<Row> texts =
        candidates.select(
            col("example_id").as("id"),
            expr("array_join(transform(from_json(messages, 'array<struct<role:string,"
                    + "content:string>>'), m -> m.content), '\\n')")
                .as("text"));
    Dataset<Row> clusters = NearDuplicates.clusters(texts, minHash, threshold);
    return candidates.join(
        clusters.withColumnRenamed("id", "example_id").withColumnRenamed("cluster", "_cluster"),
        "example_id");
  }

  /** Of each near-duplicate cluster, all but the one kept. */
  static Dataset<Row> nearDuplicates(Dataset<Row> clustered) {
    return clustered
        .withColumn("_n", row_number().over(Window.partitionBy("_cluster").orderBy(keepOrder())))
        .withColumn("dropped", when(col("_n").gt(1), lit("near_duplicate")))
        .select(
            col("_cluster"),
            org.apache.spark.sql.functions.struct(Candidate.ROWS.columns()).as("c"))
        .select("c.*", "_cluster");
  }

  /**
   * Examples sharing a run of words with an evaluation text (the eval sets, read on the driver).
   */
  static Dataset<Row> decontaminated(JobRun run, Dataset<Row> candidates) {
    Decontamination index =
        new Decontamination(run.config.get(ConfigKeys.FTPREP_DECONTAM_NGRAM), 8);
    for (String path : run.config.get(ConfigKeys.FTPREP_EVAL_SETS)) {
      run.requireExists(new org.apache.hadoop.fs.Path(path), "check ft-prep.eval-sets");
      run.input(path);
      for (String line : run.spark.read().textFile(path).collectAsList()) { // small by nature
        EvalTexts.of(line).forEach(index::add);
      }
    }
    Broadcast<Decontamination> shared =
        JavaSparkContext.fromSparkContext(run.spark.sparkContext()).broadcast(index);
    UDF1<String, String> overlap =
        messages ->
            shared
                .value()
                .overlap(
                    ChatFormats.fromArray(messages).stream()
                        .map(ChatMessage::content)
                        .collect(Collectors.joining("\n")))
                .map(o -> "contaminated")
                .orElse(null);
    return candidates.withColumn(
        "dropped", udf(overlap, DataTypes.StringType).apply(col("messages")));
  }

  /** Train or validation by a hash of the example's cluster: near-duplicates stay together. */
  static Dataset<Row> split(JobRun run, Dataset<Row> candidates) {
    double fraction = run.config.get(ConfigKeys.FTPREP_VALIDATION_FRACTION);
    Column bucket =
        pmod(xxhash64(col("_cluster"), lit(run.config.get(ConfigKeys.RUN_SEED))), lit(10_000));
    return candidates.withColumn(
        "_split", when(bucket.lt(fraction * 10_000), lit("validation")).otherwise(lit("train")));
  }

  private static final StructType TOKENS =
      new StructType()
          .add(FinetuneExamples.INPUT_IDS, DataTypes.createArrayType(DataTypes.LongType, false))
          .add(FinetuneExamples.LABELS, DataTypes.createArrayType(DataTypes.LongType, false))
          .add(FinetuneExamples.TOKEN_COUNT, DataTypes.IntegerType)
          .add(FinetuneExamples.TRAINED_TOKENS, DataTypes.IntegerType);

  /**
   * Token ids of each example in the base model's chat template, and labels as trainers take them:
   * the id where the model learns the token, -100 where it does not (the prompt). Examples over
   * {@code ft-prep.max-tokens}, or with fewer than {@code ft-prep.min-trained-tokens} to learn, are
   * dropped; without a base model the columns stay null.
   */
  static Dataset<Row> tokenized(JobRun run, Dataset<Row> candidates) {
    String base = run.config.get(ConfigKeys.FTPREP_BASE_MODEL);
    if (base.isEmpty()) {
      return candidates.withColumn("_tokens", lit(null).cast(TOKENS));
    }
    boolean lastTurn = run.config.get(ConfigKeys.FTPREP_TRAIN_ON).equals("last-turn");
    int maxTokens = run.config.get(ConfigKeys.FTPREP_MAX_TOKENS);
    int minTrained = run.config.get(ConfigKeys.FTPREP_MIN_TRAINED_TOKENS);
    HadoopConf conf = run.hadoopConf();
    UDF1<String, Row> tokenize =
        messages -> {
          ExampleTokenizer.Tokenized t;
          try {
            t = exampleTokenizer(base, lastTurn, conf).tokenize(ChatFormats.fromArray(messages));
          } catch (IllegalArgumentException e) { // the template refuses the conversation
            return RowFactory.create(null, null, -1, 0);
          }
          Long[] ids = new Long[t.inputIds().length];
          Long[] labels = new Long[ids.length];
          for (int i = 0; i < ids.length; i++) {
            ids[i] = t.inputIds()[i];
            labels[i] = t.labelMask()[i] == 1 ? ids[i] : -100L;
          }
          return RowFactory.create(ids, labels, ids.length, t.trainedTokens());
        };
    return candidates
        .withColumn("_tokens", udf(tokenize, TOKENS).apply(col("messages")))
        .withColumn(
            "dropped",
            when(col("_tokens." + FinetuneExamples.TOKEN_COUNT).lt(0), lit("chat_template_rejects"))
                .when(
                    col("_tokens." + FinetuneExamples.TOKEN_COUNT).gt(maxTokens),
                    lit("too_long_tokens"))
                .when(
                    col("_tokens." + FinetuneExamples.TRAINED_TOKENS).lt(minTrained),
                    lit("too_short_tokens")));
  }

  /** The base model's template and tokenizer, loaded once per executor JVM. */
  public static ExampleTokenizer exampleTokenizer(String base, boolean lastTurn, HadoopConf conf) {
    return ExecutorCache.get(
        "ft-prep-tokenizer:" + base + ":" + lastTurn,
        () -> {
          java.nio.file.Path local = LocalCopies.of(base, conf.get());
          return new ExampleTokenizer(
              ChatTemplate.load(local),
              HfTokenizer.fromFile(local.resolve("tokenizer.json")),
              lastTurn);
        });
  }

  private static Result write(
      JobRun run, Funnel funnel, Dataset<Row> examples, List<Dataset<Row>> quarantined) {
    run.stages.start("write");
    String date = run.runDate.toString();
    var staged =
        run.output.stage(
            FinetuneExamples.SPEC,
            examples.select(
                col("example_id"),
                col("source"),
                col("request_id"),
                col("feedback_id"),
                col("prompt_version"),
                col("model"),
                col("source_file"),
                col("source_line"),
                col("messages"),
                col("rating"),
                col("corrected"),
                functions.size(col("pii_kinds")).as(FinetuneExamples.PII_MASKED),
                col("_cluster").as(FinetuneExamples.CLUSTER_ID),
                col("_split").as(FinetuneExamples.SPLIT),
                col("_tokens." + FinetuneExamples.INPUT_IDS),
                col("_tokens." + FinetuneExamples.LABELS),
                col("_tokens." + FinetuneExamples.TOKEN_COUNT),
                col("_tokens." + FinetuneExamples.TRAINED_TOKENS)),
            date);
    Exports.write(run.spark, staged.staging());
    Dataset<Row> written =
        run.spark.read().schema(FinetuneExamples.SCHEMA).parquet(staged.staging().toString());
    Map<String, Long> splits = new TreeMap<>();
    long tokens = 0;
    for (Row r :
        written
            .groupBy(FinetuneExamples.SPLIT)
            .agg(functions.count(lit(1)).as("n"), functions.sum(FinetuneExamples.TOKEN_COUNT))
            .collectAsList()) {
      splits.put(r.getString(0), r.getLong(1));
      tokens += r.isNullAt(2) ? 0 : r.getLong(2);
    }
    splits.forEach((split, n) -> funnel.outcome("split", split, n));
    Packed packing = pack(run, funnel, written, tokens, date);
    Dataset<Row> bad =
        quarantined.stream().reduce(Dataset::unionByName).orElse(Sources.emptyQuarantine(run));
    var badStaged = run.output.stage(Quarantine.SPEC, bad, date, "ft-prep");
    run.output.stage(FinetuneReport.SPEC, funnel.table(run), date);
    run.stages.done(staged.rows() + " examples, " + badStaged.rows() + " lines quarantined");

    funnel.release();
    run.counters.putAll(funnel.counts);
    return run.commit(
        new Result(
            run.runId,
            run.runDate,
            funnel.kept,
            funnel.dropped,
            funnel.pii,
            splits.getOrDefault("train", 0L),
            splits.getOrDefault("validation", 0L),
            badStaged.rows(),
            packing,
            staged.target().toString(),
            false),
        true);
  }

  /**
   * The written examples packed into {@code finetune_packed} when {@code ft-prep.packing} asks,
   * their sequences and efficiency counted in the funnel.
   */
  private static Packed pack(
      JobRun run, Funnel funnel, Dataset<Row> written, long tokens, String date) {
    String strategy = run.config.get(ConfigKeys.FTPREP_PACKING);
    int maxLength = run.config.get(ConfigKeys.FTPREP_MAX_TOKENS);
    if (strategy.equals("none")) {
      return new Packed(null, maxLength, 0, 0);
    }
    var staged =
        run.output.stage(
            FinetunePacked.SPEC,
            PackedSequences.pack(written, tokens, maxLength, Packing.Strategy.of(strategy)),
            date);
    Packed packing = new Packed(strategy, maxLength, staged.rows(), tokens);
    funnel.outcome("pack", "sequences", packing.sequences());
    funnel.outcome("pack", "tokens", tokens);
    funnel.outcome("pack", "capacity_tokens", packing.sequences() * maxLength);
    return packing;
  }

  /** What each stage kept and dropped (by reason), kept in order for the report and the summary. */
  static final class Funnel {
    final Map<String, Long> kept = new LinkedHashMap<>();
    final Map<String, Long> dropped = new TreeMap<>();
    final Map<String, Long> pii = new TreeMap<>();
    final Map<String, Long> counts = new LinkedHashMap<>();
    private final List<Object[]> rows = new ArrayList<>();
    private final List<Dataset<Row>> held = new ArrayList<>(); // each stage's output, in memory
    final List<JavaRDD<?>> cachedLines = new ArrayList<>(); // the sources' numbered lines

    /**
     * Counts a stage's outcomes (its {@code dropped} reasons, null for kept) and returns the kept
     * rows, persisted: the next stage and the counts read them once.
     */
    Dataset<Row> keep(String stage, Dataset<Row> rows) {
      Dataset<Row> done = hold(rows);
      long keptRows = 0;
      for (Row r : done.groupBy("dropped").count().collectAsList()) {
        String reason = r.getAs("dropped");
        long n = r.getAs("count");
        if (reason == null) {
          keptRows = n;
        } else {
          outcome(stage, reason, n);
          dropped.merge(reason, n, Long::sum);
        }
      }
      outcome(stage, "kept", keptRows);
      kept.put(stage, keptRows);
      return done.filter(col("dropped").isNull());
    }

    /** {@code rows} persisted until {@link #release}. */
    Dataset<Row> hold(Dataset<Row> rows) {
      Dataset<Row> held = rows.persist(StorageLevel.MEMORY_AND_DISK());
      this.held.add(held);
      return held;
    }

    /** Lets go of the stages' outputs once the tables are written. */
    void release() {
      held.forEach(Dataset::unpersist);
      cachedLines.forEach(JavaRDD::unpersist);
    }

    /** Personal data masked in the kept examples, by kind. */
    void pii(Dataset<Row> candidates) {
      for (Row r :
          candidates
              .select(explode(col("pii_kinds")).as("kind"))
              .groupBy("kind")
              .count()
              .collectAsList()) {
        pii.put(r.getAs("kind"), r.getAs("count"));
        outcome("filter", "pii_masked_" + r.getAs("kind"), r.getAs("count"));
      }
    }

    void outcome(String stage, String outcome, long n) {
      rows.add(new Object[] {stage, outcome, n});
      counts.put(stage + "." + outcome, n);
    }

    String line(String stage) {
      String reasons =
          rows.stream()
              .filter(r -> r[0].equals(stage) && !r[1].equals("kept"))
              .map(r -> r[1] + " " + r[2])
              .collect(Collectors.joining(", "));
      return String.format(
          Locale.ROOT,
          "%d kept%s",
          kept.getOrDefault(stage, 0L),
          reasons.isEmpty() ? "" : " (" + reasons + ")");
    }

    Dataset<Row> table(JobRun run) {
      List<Row> out = new ArrayList<>();
      List<String> order = new ArrayList<>();
      for (Object[] r : rows) {
        if (!order.contains((String) r[0])) {
          order.add((String) r[0]);
        }
        out.add(RowFactory.create(run.runId, order.indexOf((String) r[0]) + 1, r[0], r[1], r[2]));
      }
      return run.spark.createDataFrame(out, FinetuneReport.SCHEMA);
    }
  }

  /** The evaluation texts of one eval-set line: every string value of the JSON object. */
  static final class EvalTexts {
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
        new com.fasterxml.jackson.databind.ObjectMapper();

    static List<String> of(String line) {
      List<String> out = new ArrayList<>();
      try {
        com.fasterxml.jackson.databind.JsonNode j = JSON.readTree(line);
        if (j != null && j.isObject()) {
          j.fields()
              .forEachRemaining(
                  e -> {
                    if (e.getValue().isTextual()) {
                      out.add(e.getValue().asText());
                    }
                  });
        }
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        out.add(line); // a plain-text line is an evaluation text as it is
      }
      return out;
    }
  }
}
