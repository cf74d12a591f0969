package dev.batchlm.pipeline;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.eval.AnswerMetrics;
import dev.batchlm.eval.Bootstrap;
import dev.batchlm.eval.EmbeddingSimilarity;
import dev.batchlm.eval.EvalReport;
import dev.batchlm.eval.Gate;
import dev.batchlm.eval.RetrievalMetrics;
import dev.batchlm.eval.Summaries;
import dev.batchlm.table.EvalScores;
import dev.batchlm.table.EvalSummary;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.Retrievals;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;

/**
 * The eval job: answers against reference answers, and the run date's retrievals against relevance
 * judgments, scored per example in the executors ({@code eval_scores}); per metric and slice a mean
 * with a bootstrap interval, and against a baseline run the paired difference ({@code
 * eval_summary}); a self-contained HTML report; then the gate checks, which fail the job only after
 * everything is written. Examples without a reference or judgment, and answers without output, are
 * counted in the coverage, never scored as zero.
 */
public final class EvalAction {
  static final String ANSWER = "answer";
  static final String RETRIEVAL = "retrieval";
  static final String JUDGE = "judge";
  static final String PAIRWISE = "judge-pairwise";

  private EvalAction() {}

  /**
   * @param headline slice {@code all} of every kind × system × metric
   * @param gateFailures one line per failed check; empty when the run passes
   */
  public record Result(
      String runId,
      LocalDate runDate,
      List<Summaries.Summary> headline,
      Map<String, Long> coverage,
      List<String> gateFailures,
      String summaryPath,
      String reportPath,
      InferAction.Result judge) {}

  public static Result run(SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "eval", config);
    String references = config.getString(ConfigKeys.EVAL_REFERENCES);
    String judgments = config.getString(ConfigKeys.EVAL_JUDGMENTS);
    if (references.isEmpty() && judgments.isEmpty()) {
      throw new ConfigException(
          "Nothing to evaluate: set eval.references (answers) and/or eval.judgments (retrieval)");
    }
    if (config.getStringList(ConfigKeys.EVAL_METRICS).contains(EmbeddingSimilarity.NAME)
        && !EmbedAction.configured(config)) {
      throw new ConfigException(
          "eval.metrics has embedding_similarity: set embed.model (or embed.endpoint) to the"
              + " model that embeds answers and references");
    }
    AnswerMetrics metrics;
    try {
      metrics =
          new AnswerMetrics(
              config.getStringList(ConfigKeys.EVAL_METRICS),
              Boolean.parseBoolean(config.getString(ConfigKeys.EVAL_ROUGE_STEMMER)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("eval.metrics: " + e.getMessage());
    }
    int[] ks =
        config.getStringList(ConfigKeys.EVAL_K).stream().mapToInt(Integer::parseInt).toArray();
    List<String> computed = new ArrayList<>();
    if (!references.isEmpty()) {
      computed.addAll(metrics.metrics());
      metrics.metrics().stream()
          .filter(m -> m.equals("bleu") || m.equals("chrf"))
          .forEach(m -> computed.add(m + "_corpus"));
    }
    if (!judgments.isEmpty()) {
      computed.addAll(RetrievalMetrics.names(ks));
    }
    String judgePrompt = config.getString(ConfigKeys.EVAL_JUDGE_PROMPT);
    if (!judgePrompt.isEmpty()) {
      if (references.isEmpty()) {
        throw new ConfigException(
            "eval.judge-prompt needs eval.references: the judge compares"
                + " each answer with its reference");
      }
      config.require(ConfigKeys.EVAL_JUDGE_MODEL, "the model alias that judges");
      computed.add(JUDGE);
    }
    List<String> pairwise = config.getStringList(ConfigKeys.EVAL_PAIRWISE);
    if (!pairwise.isEmpty()) {
      if (pairwise.size() != 2 || pairwise.get(0).equals(pairwise.get(1)) || references.isEmpty()) {
        throw new ConfigException(
            "eval.pairwise names two different systems (values of eval.system-column) and needs"
                + " eval.references; got "
                + pairwise);
      }
      config.require(ConfigKeys.EVAL_JUDGE_MODEL, "the model alias that judges");
      computed.add("win_rate");
    }
    String baseline = config.getString(ConfigKeys.EVAL_BASELINE);
    List<Gate> gates = new ArrayList<>();
    for (String g : config.getStringList(ConfigKeys.EVAL_GATE)) {
      try {
        gates.add(Gate.parse(g, computed));
      } catch (IllegalArgumentException e) {
        throw new ConfigException("eval.gate: " + e.getMessage());
      }
    }
    if (gates.stream().anyMatch(Gate::needsBaseline) && baseline.isEmpty()) {
      throw new ConfigException(
          "eval.gate has a maximum drop but eval.baseline is not set: name the eval run to compare"
              + " against");
    }
    Dataset<Row> previous = baseline.isEmpty() ? null : baselineScores(run, baseline);

    Map<String, Long> coverage = new TreeMap<>();
    Map<String, List<String>> tags = new HashMap<>();
    Map<String, Long> expectedBySystem = new HashMap<>(); // answers: per answering system
    Dataset<Row> answers = null;
    Dataset<Row> scores = null;
    InferAction.Result judge = null;
    if (!references.isEmpty()) {
      run.stages.start("score answers");
      List<Dataset<Row>> usage = new ArrayList<>();
      answers =
          answersWithReferences(run, config, references, tags, coverage, expectedBySystem, usage)
              .cache();
      scores =
          spark.createDataFrame(
              answers
                  .filter(col("output").isNotNull().and(col("refs").isNotNull()))
                  .javaRDD()
                  .flatMap(r -> scoreAnswer(metrics, r).iterator()),
              EvalScores.SCHEMA);
      if (metrics.metrics().contains(EmbeddingSimilarity.NAME)) {
        scores = scores.unionByName(embeddingSimilarity(run, config, answers));
      }
      for (Dataset<Row> u : usage) {
        if (u != null) {
          scores = scores.unionByName(u);
        }
      }
      run.stages.done(coverage.toString());
      if (!judgePrompt.isEmpty()) {
        run.stages.start("judge");
        judge = EvalJudges.judge(run, config, answers, coverage);
        scores = scores.unionByName(EvalJudges.judgeScores(run, coverage));
        run.stages.done(coverage.toString());
      }
      if (!pairwise.isEmpty()) {
        run.stages.start("pairwise judge");
        scores = scores.unionByName(EvalJudges.pairwise(run, config, answers, pairwise, coverage));
        run.stages.done(coverage.toString());
      }
    }
    if (!judgments.isEmpty()) {
      run.stages.start("score retrievals");
      Dataset<Row> scored = scoreRetrievals(run, config, judgments, ks, coverage);
      scores = scores == null ? scored : scores.unionByName(scored);
      run.stages.done(coverage.toString());
    }

    run.stages.start("summarize");
    var stagedScores = run.output.stage(EvalScores.SPEC, scores, run.runDate.toString(), run.runId);
    Map<String, Map<String, Double>> now =
        byMetric(spark.read().schema(EvalScores.SCHEMA).parquet(stagedScores.staging().toString()));
    Map<String, Map<String, Double>> before = previous == null ? Map.of() : byMetric(previous);
    int resamples = config.getInt(ConfigKeys.EVAL_BOOTSTRAP, 1);
    long seed = config.getLong(ConfigKeys.EVAL_SEED, Long.MIN_VALUE);
    List<Summaries.Summary> summaries = new ArrayList<>();
    for (Map.Entry<String, Map<String, Double>> e : now.entrySet()) {
      String[] key = e.getKey().split("\\|", 3); // kind|system|metric
      boolean answer = key[0].equals(ANSWER);
      Map<String, Map<String, Double>> slices =
          new TreeMap<>(
              answer ? Summaries.bySlice(e.getValue(), tags) : Map.of("all", e.getValue()));
      long expected =
          key[0].equals(RETRIEVAL) || key[0].equals("pairwise")
              ? coverage.getOrDefault(key[0] + "_expected", (long) e.getValue().size())
              : expectedBySystem.getOrDefault(key[1], (long) e.getValue().size())
                  // usage comes from answers only, not from references nobody answered
                  - (key[0].equals("usage")
                      ? coverage.getOrDefault(ANSWER + "_reference_without_answer", 0L)
                      : 0);
      Map<String, Double> base =
          previous == null ? null : before.getOrDefault(e.getKey(), Map.of());
      slices.forEach(
          (slice, values) ->
              summaries.add(
                  Summaries.summarize(
                      key[0],
                      key[1],
                      key[2],
                      slice,
                      values,
                      slice.equals("all") ? expected : values.size(),
                      base,
                      resamples,
                      seed)));
    }
    if (answers != null) {
      summaries.addAll(corpusSummaries(answers, metrics, expectedBySystem, resamples, seed));
    }
    List<Row> rows = summaries.stream().map(s -> summaryRow(s, baseline)).toList();
    var stagedSummary =
        run.output.stage(
            EvalSummary.SPEC,
            spark.createDataFrame(rows, EvalSummary.SCHEMA),
            run.runDate.toString(),
            run.runId);
    List<Summaries.Summary> headline =
        summaries.stream().filter(s -> s.slice().equals("all")).toList();
    List<String> failures = new ArrayList<>();
    gates.forEach(g -> failures.addAll(g.check(headline)));
    run.stages.done(headline.size() + " metrics, " + failures.size() + " gate failures");

    run.stages.start("report");
    Path report =
        new Path(
            new Path(run.root, "eval_report/" + Tables.RUN_DATE + "=" + run.runDate),
            run.runId + ".html");
    List<EvalReport.Example> worst =
        answers == null ? List.of() : worstAnswers(answers, now, metrics.metrics(), 10);
    write(
        report,
        EvalReport.html(
            run.runId, run.runDate.toString(), baseline, summaries, coverage, failures, worst),
        run);
    run.stages.done(report.toString());
    if (answers != null) {
      answers.unpersist();
    }
    run.counters.put("coverage", coverage);
    run.counters.put("gate_failures", failures);
    run.counters.put("report", report.toString());
    run.commit();
    return new Result(
        run.runId,
        run.runDate,
        headline,
        coverage,
        failures,
        stagedSummary.target().toString(),
        report.toString(),
        judge);
  }

  /**
   * Columns id, system, output (null when the answer has none), refs (null when the example has no
   * reference); also collects the references' tags and counts coverage.
   */
  private static Dataset<Row> answersWithReferences(
      JobRun run,
      BatchConfig config,
      String referencesPath,
      Map<String, List<String>> tags,
      Map<String, Long> coverage,
      Map<String, Long> expected,
      List<Dataset<Row>> usage) {
    String answersPath = config.getString(ConfigKeys.EVAL_ANSWERS);
    Dataset<Row> answers =
        answersPath.isEmpty()
            ? run.readPartition(InferenceResults.SPEC, null, "infer")
            : readTable(run, answersPath, "eval.answers");
    String idCol = config.getString(ConfigKeys.EVAL_ANSWER_ID_COLUMN);
    String outCol = config.getString(ConfigKeys.EVAL_OUTPUT_COLUMN);
    String systemCol = config.getString(ConfigKeys.EVAL_SYSTEM_COLUMN);
    requireColumns(
        answers,
        answersPath.isEmpty() ? "inference_results" : answersPath,
        "eval.answer-id-column / eval.output-column",
        idCol,
        outCol);
    Column system =
        Arrays.asList(answers.columns()).contains(systemCol)
            ? col(systemCol).cast("string")
            : lit("answers");
    Dataset<Row> a =
        answers.select(
            col(idCol).cast("string").as("id"),
            coalesce(system, lit("unknown")).as("system"),
            col(outCol).cast("string").as("output"));
    usage.add(usageScores(answers, col(idCol).cast("string"), system, coverage));

    Dataset<Row> refs = readTable(run, referencesPath, "eval.references");
    String refId = config.getString(ConfigKeys.EVAL_REFERENCE_ID_COLUMN);
    String refCol = config.getString(ConfigKeys.EVAL_REFERENCE_COLUMN);
    String tagsCol = config.getString(ConfigKeys.EVAL_TAGS_COLUMN);
    requireColumns(
        refs, referencesPath, "eval.reference-id-column / eval.reference-column", refId, refCol);
    String questionCol = config.getString(ConfigKeys.EVAL_QUESTION_COLUMN);
    Dataset<Row> r =
        refs.select(
            col(refId).cast("string").as("id"),
            asList(refs, refCol).as("refs"),
            Arrays.asList(refs.columns()).contains(questionCol)
                ? col(questionCol).cast("string").as("question")
                : lit(null).cast("string").as("question"),
            Arrays.asList(refs.columns()).contains(tagsCol)
                ? asList(refs, tagsCol).as("tags")
                : array().cast("array<string>").as("tags"));
    for (Row t : r.select("id", "tags").collectAsList()) {
      if (!t.isNullAt(1)) {
        tags.put(t.getString(0), t.getList(1));
      }
    }
    Dataset<Row> joined =
        a.join(r.select("id", "refs", "question"), a.col("id").equalTo(r.col("id")), "full_outer")
            .select(
                coalesce(a.col("id"), r.col("id")).as("id"),
                a.col("system"),
                a.col("output"),
                r.col("refs"),
                r.col("question"));
    Row c =
        joined
            .agg(
                count(lit(1)),
                sum(when(col("system").isNotNull().and(col("refs").isNull()), 1).otherwise(0)),
                sum(when(col("system").isNull(), 1).otherwise(0)),
                sum(when(col("system").isNotNull().and(col("output").isNull()), 1).otherwise(0)))
            .first();
    coverage.put(ANSWER + "_expected", c.getLong(0));
    long unanswered = c.isNullAt(2) ? 0 : c.getLong(2);
    for (Row bySystem :
        joined.filter(col("system").isNotNull()).groupBy("system").count().collectAsList()) {
      // a system should have answered its own answers' ids and every unanswered reference
      expected.put(bySystem.getString(0), bySystem.getLong(1) + unanswered);
    }
    coverage.put(ANSWER + "_without_reference", c.isNullAt(1) ? 0 : c.getLong(1));
    coverage.put(ANSWER + "_reference_without_answer", c.isNullAt(2) ? 0 : c.getLong(2));
    coverage.put(ANSWER + "_without_output", c.isNullAt(3) ? 0 : c.getLong(3));
    return joined;
  }

  /**
   * Per answer, the inference rows' latency, tokens and cost (kind {@code usage}, not 0–1) and
   * whether it passed validation ({@code schema_valid}), for the columns the table has; a null or
   * NaN value is counted as missing, not scored.
   */
  private static Dataset<Row> usageScores(
      Dataset<Row> answers, Column id, Column system, Map<String, Long> coverage) {
    List<String> cols = Arrays.asList(answers.columns());
    Dataset<Row> out = null;
    for (String c :
        List.of(
            InferenceResults.LATENCY_MS,
            InferenceResults.INPUT_TOKENS,
            InferenceResults.OUTPUT_TOKENS,
            InferenceResults.COST_USD,
            InferenceResults.VALID)) {
      if (!cols.contains(c)) {
        continue;
      }
      boolean valid = c.equals(InferenceResults.VALID);
      Column value = col(c).cast("double");
      Dataset<Row> rows =
          answers.select(
              lit(valid ? ANSWER : "usage").as(EvalScores.KIND),
              coalesce(system, lit("unknown")).as(EvalScores.SYSTEM),
              id.as(EvalScores.EXAMPLE_ID),
              lit(valid ? "schema_valid" : c).as(EvalScores.METRIC),
              value.as(EvalScores.VALUE));
      Dataset<Row> present =
          rows.filter(col(EvalScores.VALUE).isNotNull().and(not(isnan(col(EvalScores.VALUE)))));
      long missing = rows.count() - present.count();
      if (missing > 0) {
        coverage.put((valid ? "schema_valid" : "usage_" + c) + "_missing", missing);
      }
      out = out == null ? present : out.unionByName(present);
    }
    return out;
  }

  /**
   * Corpus BLEU and chrF per system (sacreBLEU's corpus_bleu / corpus_chrf over the scored
   * answers), with intervals from resampling examples; no baseline difference (eval_scores keeps
   * per-example scores, not the statistics).
   */
  private static List<Summaries.Summary> corpusSummaries(
      Dataset<Row> answers,
      AnswerMetrics metrics,
      Map<String, Long> expected,
      int resamples,
      long seed) {
    org.apache.spark.sql.types.StructType schema =
        new org.apache.spark.sql.types.StructType()
            .add("system", DataTypes.StringType)
            .add("metric", DataTypes.StringType)
            .add("stats", DataTypes.createArrayType(DataTypes.DoubleType));
    List<Row> stats =
        answers
            .sparkSession()
            .createDataFrame(
                answers
                    .filter(col("output").isNotNull().and(col("refs").isNotNull()))
                    .javaRDD()
                    .flatMap(
                        r -> {
                          List<Row> out = new ArrayList<>();
                          metrics
                              .corpusStats(r.getString(2), r.getList(3))
                              .forEach(
                                  (m, a) ->
                                      out.add(
                                          RowFactory.create(
                                              r.getString(1),
                                              m,
                                              Arrays.stream(a).boxed().toArray(Double[]::new))));
                          return out.iterator();
                        }),
                schema)
            .collectAsList();
    Map<String, List<double[]>> bySystem = new TreeMap<>();
    for (Row r : stats) {
      bySystem
          .computeIfAbsent(r.getString(0) + "|" + r.getString(1), k -> new ArrayList<>())
          .add(r.<Double>getList(2).stream().mapToDouble(Double::doubleValue).toArray());
    }
    List<Summaries.Summary> out = new ArrayList<>();
    bySystem.forEach(
        (key, list) -> {
          String[] k = key.split("\\|", 2);
          Bootstrap.Interval i =
              Bootstrap.corpus(
                  list.toArray(double[][]::new),
                  sum -> AnswerMetrics.corpusScore(k[1], sum),
                  resamples,
                  seed);
          out.add(
              new Summaries.Summary(
                  ANSWER,
                  k[0],
                  k[1],
                  "all",
                  list.size(),
                  expected.getOrDefault(k[0], (long) list.size()),
                  i.estimate(),
                  i.low(),
                  i.high(),
                  0,
                  Double.NaN,
                  Double.NaN,
                  Double.NaN,
                  Double.NaN));
        });
    return out;
  }

  /** Cosine of answer and closest reference through the embed job's embedder, per partition. */
  private static Dataset<Row> embeddingSimilarity(
      JobRun run, BatchConfig config, Dataset<Row> answers) {
    // answers and references are both passages: the same prefix on each side
    EmbedAction.Settings settings =
        EmbedAction.Settings.from(config, config.getString(ConfigKeys.EMBED_PASSAGE_PREFIX));
    dev.batchlm.spark.HadoopConf conf = run.hadoopConf();
    settings.load(conf); // a bad model or endpoint fails here, on the driver
    return run.spark.createDataFrame(
        answers
            .filter(col("output").isNotNull().and(col("refs").isNotNull()))
            .javaRDD()
            .mapPartitions(
                rows -> {
                  List<Row> in = new ArrayList<>();
                  rows.forEachRemaining(in::add);
                  double[] sims =
                      EmbeddingSimilarity.score(
                          settings.embedder(conf),
                          in.stream().map(r -> r.getString(2)).toList(),
                          in.stream().map(r -> r.<String>getList(3)).toList(),
                          32);
                  List<Row> out = new ArrayList<>();
                  for (int i = 0; i < in.size(); i++) {
                    Row r = in.get(i);
                    out.add(
                        RowFactory.create(
                            ANSWER,
                            r.getString(1),
                            r.getString(0),
                            EmbeddingSimilarity.NAME,
                            sims[i]));
                  }
                  return out.iterator();
                }),
        EvalScores.SCHEMA);
  }

  private static List<Row> scoreAnswer(AnswerMetrics metrics, Row r) {
    List<Row> out = new ArrayList<>();
    metrics
        .score(r.getString(2), r.getList(3))
        .forEach(
            (m, v) -> out.add(RowFactory.create(ANSWER, r.getString(1), r.getString(0), m, v)));
    return out;
  }

  private static Dataset<Row> scoreRetrievals(
      JobRun run, BatchConfig config, String path, int[] ks, Map<String, Long> coverage) {
    boolean docLevel =
        config.getChoice(ConfigKeys.EVAL_LEVEL, List.of("doc", "chunk")).equals("doc");
    Map<String, Map<String, Integer>> grades = readJudgments(run, config, path, docLevel);
    long judged =
        grades.values().stream().filter(g -> g.values().stream().anyMatch(v -> v >= 1)).count();
    Dataset<Row> retrievals = run.readPartition(Retrievals.SPEC, null, "retrieve");
    Dataset<Row> hits =
        docLevel
            ? retrievals
                .groupBy(Retrievals.METHOD, Retrievals.QUERY_ID, Retrievals.DOC_ID)
                .agg(max(Retrievals.SCORE).as("score"))
                .withColumnRenamed(Retrievals.DOC_ID, "id")
            : retrievals.select(
                col(Retrievals.METHOD),
                col(Retrievals.QUERY_ID),
                col(Retrievals.CHUNK_ID).as("id"),
                col(Retrievals.SCORE).as("score"));
    java.util.Set<String> retrieved =
        new java.util.HashSet<>(
            retrievals
                .select(Retrievals.QUERY_ID)
                .distinct()
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList());
    coverage.put(RETRIEVAL + "_expected", judged);
    coverage.put(
        RETRIEVAL + "_judged_not_retrieved",
        grades.entrySet().stream()
            .filter(e -> e.getValue().values().stream().anyMatch(v -> v >= 1))
            .filter(e -> !retrieved.contains(e.getKey()))
            .count());
    coverage.put(
        RETRIEVAL + "_retrieved_not_judged",
        retrieved.stream().filter(q -> !grades.containsKey(q)).count());
    Broadcast<Map<String, Map<String, Integer>>> bc =
        JavaSparkContext.fromSparkContext(run.spark.sparkContext()).broadcast(grades);
    return run.spark.createDataFrame(
        hits.groupBy(Retrievals.METHOD, Retrievals.QUERY_ID)
            .agg(collect_list(struct(col("id"), col("score"))).as("hits"))
            .javaRDD()
            .flatMap(
                r -> {
                  Map<String, Integer> g = bc.value().get(r.getString(1));
                  List<Row> out = new ArrayList<>();
                  if (g == null) {
                    return out.iterator();
                  }
                  List<RetrievalMetrics.Retrieved> run1 = new ArrayList<>();
                  for (Row h : r.<Row>getList(2)) {
                    run1.add(new RetrievalMetrics.Retrieved(h.getString(0), h.getDouble(1)));
                  }
                  RetrievalMetrics.score(run1, g, ks)
                      .forEach(
                          (m, v) ->
                              out.add(
                                  RowFactory.create(
                                      RETRIEVAL, r.getString(0), r.getString(1), m, v)));
                  return out.iterator();
                }),
        EvalScores.SCHEMA);
  }

  /** Query id → judged id → grade, from TREC qrels or a table. */
  private static Map<String, Map<String, Integer>> readJudgments(
      JobRun run, BatchConfig config, String path, boolean docLevel) {
    Map<String, Map<String, Integer>> out = new HashMap<>();
    if (config
        .getChoice(ConfigKeys.EVAL_JUDGMENTS_FORMAT, List.of("table", "qrels"))
        .equals("qrels")) {
      run.requireExists(new Path(path), "check eval.judgments");
      run.inputs.add(path);
      int line = 0;
      for (String l : run.spark.read().textFile(path).collectAsList()) {
        line++;
        String[] f = l.trim().split("\\s+");
        if (l.isBlank()) {
          continue;
        }
        if (f.length != 4) {
          throw new ConfigException(
              path
                  + " line "
                  + line
                  + ": a qrels line is 'query iteration document grade', got '"
                  + l
                  + "'");
        }
        try {
          out.computeIfAbsent(f[0], q -> new HashMap<>()).put(f[2], Integer.parseInt(f[3]));
        } catch (NumberFormatException e) {
          throw new ConfigException(
              path + " line " + line + ": grade '" + f[3] + "' is not an integer");
        }
      }
      return out;
    }
    Dataset<Row> t = readTable(run, path, "eval.judgments");
    List<String> cols = Arrays.asList(t.columns());
    String listCol = config.getString(ConfigKeys.EVAL_RELEVANT_COLUMN);
    String idCol = docLevel ? "doc_id" : "chunk_id";
    if (cols.contains(listCol)) {
      requireColumns(t, path, "eval.judgments", "query_id");
      for (Row r : t.select(col("query_id").cast("string"), asList(t, listCol)).collectAsList()) {
        Map<String, Integer> g = out.computeIfAbsent(r.getString(0), q -> new HashMap<>());
        if (!r.isNullAt(1)) {
          r.<String>getList(1).forEach(id -> g.put(id, 1));
        }
      }
    } else {
      requireColumns(
          t,
          path,
          "eval.judgments (with eval.level " + idCol + ")",
          "query_id",
          idCol,
          "relevance");
      for (Row r :
          t.select(
                  col("query_id").cast("string"),
                  col(idCol).cast("string"),
                  col("relevance").cast("int"))
              .collectAsList()) {
        out.computeIfAbsent(r.getString(0), q -> new HashMap<>())
            .put(r.getString(1), r.isNullAt(2) ? 0 : r.getInt(2));
      }
    }
    return out;
  }

  /** The baseline run's scores, from any date's partition of eval_scores. */
  private static Dataset<Row> baselineScores(JobRun run, String runId) {
    Path table = Tables.table(run.root, EvalScores.SPEC);
    run.requireExists(table, "eval.baseline " + runId + ": no eval run has written there yet");
    Dataset<Row> all = run.spark.read().parquet(table.toString());
    Dataset<Row> rows = all.filter(col(EvalScores.RUN_ID).equalTo(runId));
    if (rows.isEmpty()) {
      throw new ConfigException(
          "eval.baseline "
              + runId
              + " has no rows in "
              + table
              + ": name an eval run id (see eval_summary.run_id)");
    }
    run.inputs.add(table + " run_id=" + runId);
    return rows.select(Tables.columns(EvalScores.SCHEMA));
  }

  /** kind|system|metric → example id → score. */
  private static Map<String, Map<String, Double>> byMetric(Dataset<Row> scores) {
    Map<String, Map<String, Double>> out = new TreeMap<>();
    for (Row r :
        scores
            .select(
                EvalScores.KIND,
                EvalScores.SYSTEM,
                EvalScores.METRIC,
                EvalScores.EXAMPLE_ID,
                EvalScores.VALUE)
            .collectAsList()) {
      out.computeIfAbsent(
              r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2), k -> new HashMap<>())
          .put(r.getString(3), r.getDouble(4));
    }
    return out;
  }

  private static List<EvalReport.Example> worstAnswers(
      Dataset<Row> answers, Map<String, Map<String, Double>> now, List<String> metrics, int n) {
    if (metrics.isEmpty()) {
      return List.of();
    }
    String metric = metrics.contains("f1") ? "f1" : metrics.get(0);
    record Scored(String id, String system, double value) {}
    List<Scored> lowest = new ArrayList<>();
    now.forEach(
        (key, values) -> {
          String[] k = key.split("\\|", 3); // kind|system|metric
          if (k[0].equals(ANSWER) && k[2].equals(metric)) {
            values.forEach((id, v) -> lowest.add(new Scored(id, k[1], v)));
          }
        });
    lowest.sort(Comparator.comparingDouble(Scored::value).thenComparing(Scored::id));
    List<Scored> chosen = lowest.subList(0, Math.min(n, lowest.size()));
    Map<String, Row> rows = new HashMap<>();
    for (Row r :
        answers.filter(col("id").isin(chosen.stream().map(Scored::id).toArray())).collectAsList()) {
      rows.put(r.getString(0) + "|" + r.getString(1), r);
    }
    List<EvalReport.Example> out = new ArrayList<>();
    for (Scored x : chosen) {
      Row r = rows.get(x.id() + "|" + x.system());
      out.add(
          new EvalReport.Example(
              x.id(),
              x.system(),
              metric,
              x.value(),
              r == null || r.isNullAt(4) ? "" : r.getString(4),
              r == null ? "" : r.getString(2),
              r == null ? List.of() : r.getList(3)));
    }
    return out;
  }

  private static Row summaryRow(Summaries.Summary s, String baseline) {
    return RowFactory.create(
        s.kind(),
        s.system(),
        s.metric(),
        s.slice(),
        s.n(),
        s.expected(),
        nan(s.mean()),
        nan(s.low()),
        nan(s.high()),
        baseline.isEmpty() ? null : baseline,
        s.paired(),
        nan(s.baselineMean()),
        nan(s.delta()),
        nan(s.deltaLow()),
        nan(s.deltaHigh()));
  }

  private static Double nan(double v) {
    return Double.isNaN(v) ? null : v;
  }

  /** A string column as a one-element list, a list column as it is. */
  private static Column asList(Dataset<Row> t, String column) {
    return t.schema().apply(column).dataType() instanceof ArrayType
        ? col(column).cast("array<string>")
        : when(col(column).isNull(), lit(null))
            .otherwise(array(col(column).cast(DataTypes.StringType)));
  }

  private static Dataset<Row> readTable(JobRun run, String path, String key) {
    run.requireExists(new Path(path), "check " + key);
    run.inputs.add(path);
    return path.endsWith(".jsonl") || path.endsWith(".json")
        ? run.spark.read().json(path)
        : run.spark.read().parquet(path);
  }

  private static void requireColumns(Dataset<Row> t, String source, String keys, String... names) {
    List<String> cols = Arrays.asList(t.columns());
    for (String n : names) {
      if (!cols.contains(n)) {
        throw new ConfigException(
            source
                + " has no column '"
                + n
                + "' (set "
                + keys
                + "); its columns are: "
                + String.join(", ", cols));
      }
    }
  }

  private static void write(Path path, String text, JobRun run) {
    try {
      FileSystem fs = path.getFileSystem(run.spark.sparkContext().hadoopConfiguration());
      if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
        fs = local.getRaw(); // no .crc file beside a report people open by hand
      }
      try (OutputStream out = fs.create(path, true)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(
          "Cannot write the report " + path + ": " + e.getMessage(), e);
    }
  }
}
