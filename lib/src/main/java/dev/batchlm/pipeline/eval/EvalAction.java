package dev.batchlm.pipeline.eval;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
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
import dev.batchlm.embed.Embedder;
import dev.batchlm.eval.AnswerMetrics;
import dev.batchlm.eval.EmbeddingSimilarity;
import dev.batchlm.eval.EvalReport;
import dev.batchlm.eval.Gate;
import dev.batchlm.eval.RetrievalMetrics;
import dev.batchlm.eval.Summaries;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.pipeline.embed.EmbedAction;
import dev.batchlm.pipeline.infer.InferAction;
import dev.batchlm.pipeline.report.ReportFiles;
import dev.batchlm.table.EvalScores;
import dev.batchlm.table.EvalSummary;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.Retrievals;
import dev.batchlm.table.RunCommit;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
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
      InferAction.Result judge,
      boolean kept) {}

  /**
   * What an eval run computes and checks, validated from the config alone (before Spark starts):
   * the metrics and their options, the k of retrieval metrics, every metric name it will compute
   * and the gate checks on them.
   */
  public record Plan(
      String references,
      String judgments,
      AnswerMetrics metrics,
      int[] ks,
      String judgePrompt,
      List<String> pairwise,
      String baseline,
      List<Gate> gates) {}

  public static Plan plan(BatchConfig config) {
    String references = config.get(ConfigKeys.EVAL_REFERENCES);
    String judgments = config.get(ConfigKeys.EVAL_JUDGMENTS);
    if (references.isEmpty() && judgments.isEmpty()) {
      throw new ConfigException(
          "Nothing to evaluate: set eval.references (answers) and/or eval.judgments (retrieval)");
    }
    if (config.get(ConfigKeys.EVAL_METRICS).contains(EmbeddingSimilarity.NAME)
        && !EmbedAction.configured(config)) {
      throw new ConfigException(
          "eval.metrics has embedding_similarity: set embed.model (or embed.endpoint) to the"
              + " model that embeds answers and references");
    }
    AnswerMetrics metrics;
    try {
      metrics =
          new AnswerMetrics(
              config.get(ConfigKeys.EVAL_METRICS),
              new AnswerMetrics.Options(
                  config.get(ConfigKeys.EVAL_ROUGE_STEMMER),
                  config.get(ConfigKeys.EVAL_ROUGE_MEASURES),
                  config.get(ConfigKeys.EVAL_BLEU_TOKENIZE),
                  config.get(ConfigKeys.EVAL_CHRF_EPS_SMOOTHING)));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("eval.metrics / eval.rouge-measures: " + e.getMessage());
    }
    int[] ks = config.get(ConfigKeys.EVAL_K).stream().mapToInt(Integer::parseInt).toArray();
    List<String> computed = new ArrayList<>();
    if (!references.isEmpty()) {
      computed.addAll(metrics.scoreNames());
      metrics.metrics().stream()
          .filter(m -> m.equals("bleu") || m.equals("chrf"))
          .forEach(m -> computed.add(AnswerMetrics.corpusName(m)));
    }
    if (!judgments.isEmpty()) {
      computed.addAll(RetrievalMetrics.names(ks));
    }
    String judgePrompt = config.get(ConfigKeys.EVAL_JUDGE_PROMPT);
    if (!judgePrompt.isEmpty()) {
      if (references.isEmpty()) {
        throw new ConfigException(
            "eval.judge-prompt needs eval.references: the judge compares"
                + " each answer with its reference");
      }
      config.require(ConfigKeys.EVAL_JUDGE_MODEL, "the model alias that judges");
      computed.add(JUDGE);
    }
    List<String> pairwise = config.get(ConfigKeys.EVAL_PAIRWISE);
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
    String baseline = config.get(ConfigKeys.EVAL_BASELINE);
    List<Gate> gates = new ArrayList<>();
    for (String g : config.get(ConfigKeys.EVAL_GATE)) {
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
    return new Plan(references, judgments, metrics, ks, judgePrompt, pairwise, baseline, gates);
  }

  public static Result run(SparkSession spark, BatchConfig config) {
    Plan plan = plan(config);
    JobRun run = new JobRun(spark, "eval", config);
    Optional<Result> kept = run.kept(EvalSummary.SPEC, Result.class);
    if (kept.isPresent()) {
      return kept.get();
    }
    Dataset<Row> previous = plan.baseline().isEmpty() ? null : baselineScores(run, plan.baseline());
    Coverage coverage = new Coverage(new TreeMap<>(), new HashMap<>());
    AnswerScores answers =
        plan.references().isEmpty()
            ? new AnswerScores(null, null, null)
            : scoreAnswers(run, plan, coverage);
    Dataset<Row> scores = answers.scores();
    if (!plan.judgments().isEmpty()) {
      run.stages.start("score retrievals");
      Dataset<Row> scored =
          scoreRetrievals(run, config, plan.judgments(), plan.ks(), coverage.counts());
      scores = scores == null ? scored : scores.unionByName(scored);
      run.stages.done(coverage.counts().toString());
    }
    Summarized summary = summarize(run, plan, scores, answers.answers(), previous, coverage);
    Path report = report(run, plan, summary, answers.answers(), coverage.counts());
    if (answers.answers() != null) {
      answers.answers().unpersist();
    }
    run.counters.put("coverage", coverage.counts());
    run.counters.put("gate_failures", summary.failures());
    run.counters.put("report", report.toString());
    // failed judge calls are what a rerun calls again
    boolean complete =
        coverage.counts().entrySet().stream()
            .noneMatch(e -> e.getKey().endsWith("_failed") && e.getValue() > 0);
    return run.commit(
        new Result(
            run.runId,
            run.runDate,
            summary.headline(),
            coverage.counts(),
            summary.failures(),
            summary.table().target().toString(),
            report.toString(),
            answers.judge(),
            false),
        complete);
  }

  /** Examples scored and skipped, by kind; and per answering system, the examples expected. */
  private record Coverage(Map<String, Long> counts, Map<String, Long> expectedBySystem) {}

  /** The answers joined to their references (cached), their scores, and the judge's run. */
  private record AnswerScores(
      Dataset<Row> answers, Dataset<Row> scores, InferAction.Result judge) {}

  /** Reference metrics, then the judge and the pairwise judge when configured. */
  private static AnswerScores scoreAnswers(JobRun run, Plan plan, Coverage coverage) {
    BatchConfig config = run.config;
    Map<String, Long> counts = coverage.counts();
    run.stages.start("score answers");
    List<Dataset<Row>> usage = new ArrayList<>();
    Dataset<Row> answers =
        answersWithReferences(
                run, config, plan.references(), counts, coverage.expectedBySystem(), usage)
            .cache();
    AnswerMetrics metrics = plan.metrics();
    Dataset<Row> scores =
        run.spark.createDataFrame(
            Answered.ROWS
                .rows(answers)
                .filter(Answered::scorable)
                .flatMap(a -> scoreAnswer(metrics, a).iterator()),
            EvalScores.SCHEMA);
    if (metrics.metrics().contains(EmbeddingSimilarity.NAME)) {
      scores = scores.unionByName(embeddingSimilarity(run, config, answers));
    }
    for (Dataset<Row> u : usage) {
      if (u != null) {
        scores = scores.unionByName(u);
      }
    }
    run.stages.done(counts.toString());
    InferAction.Result judge = null;
    if (!plan.judgePrompt().isEmpty()) {
      run.stages.start("judge");
      judge = EvalJudges.judge(run, config, answers, counts);
      scores = scores.unionByName(EvalJudges.judgeScores(run, counts));
      run.stages.done(counts.toString());
    }
    if (!plan.pairwise().isEmpty()) {
      run.stages.start("pairwise judge");
      scores =
          scores.unionByName(EvalJudges.pairwise(run, config, answers, plan.pairwise(), counts));
      run.stages.done(counts.toString());
    }
    return new AnswerScores(answers, scores, judge);
  }

  /** The summary rows written, the headline (slice "all") and the gates it failed. */
  private record Summarized(
      List<Summaries.Summary> summaries,
      List<Summaries.Summary> headline,
      List<String> failures,
      Dataset<Row> scores,
      RunCommit.Staged table) {}

  /** Scores written; per metric the mean with its interval, against the baseline when given. */
  private static Summarized summarize(
      JobRun run,
      Plan plan,
      Dataset<Row> scores,
      Dataset<Row> answers,
      Dataset<Row> previous,
      Coverage coverage) {
    run.stages.start("summarize");
    String date = run.runDate.toString();
    var stagedScores = run.output.stage(EvalScores.SPEC, scores, date, run.runId);
    Dataset<Row> now =
        run.spark.read().schema(EvalScores.SCHEMA).parquet(stagedScores.staging().toString());
    Dataset<Row> slices =
        answers == null
            ? null
            : answers
                .select(
                    col(Answered.ID).as(EvalScores.EXAMPLE_ID),
                    explode(col(Answered.TAGS)).as("slice"))
                .distinct();
    List<Summaries.Summary> summaries =
        EvalSummaries.summarize(
                now,
                slices,
                previous,
                run.config.get(ConfigKeys.EVAL_BOOTSTRAP),
                run.config.get(ConfigKeys.EVAL_SEED),
                plan.metrics())
            .stream()
            .map(
                s ->
                    s.slice().equals("all")
                        ? s.withExpected(
                            expected(s, coverage.counts(), coverage.expectedBySystem()))
                        : s)
            .toList();
    List<Row> rows = summaries.stream().map(s -> summaryRow(s, plan.baseline())).toList();
    var table =
        run.output.stage(
            EvalSummary.SPEC, run.spark.createDataFrame(rows, EvalSummary.SCHEMA), date, run.runId);
    List<Summaries.Summary> headline =
        summaries.stream().filter(s -> s.slice().equals("all")).toList();
    List<String> failures = new ArrayList<>();
    plan.gates().forEach(g -> failures.addAll(g.check(headline)));
    run.stages.done(headline.size() + " metrics, " + failures.size() + " gate failures");
    return new Summarized(summaries, headline, failures, now, table);
  }

  /** The HTML report of the run: summaries, coverage, gate failures and the worst answers. */
  private static Path report(
      JobRun run, Plan plan, Summarized summary, Dataset<Row> answers, Map<String, Long> coverage) {
    run.stages.start("report");
    Path report =
        new Path(
            new Path(run.root, "eval_report/" + Tables.RUN_DATE + "=" + run.runDate),
            run.runId + ".html");
    List<EvalReport.Example> worst =
        answers == null
            ? List.of()
            : worstAnswers(answers, summary.scores(), plan.metrics().metrics(), 10);
    ReportFiles.write(
        report,
        EvalReport.html(
            run.runId,
            run.runDate.toString(),
            plan.baseline(),
            summary.summaries(),
            coverage,
            run.config.get(ConfigKeys.EVAL_GATE),
            summary.failures(),
            worst),
        run.spark.sparkContext().hadoopConfiguration());
    run.stages.done(report.toString());
    return report;
  }

  /**
   * Columns id, system, output (null when the answer has none), refs (null when the example has no
   * reference), question and tags (the reference's, empty without one); also counts coverage.
   */
  private static Dataset<Row> answersWithReferences(
      JobRun run,
      BatchConfig config,
      String referencesPath,
      Map<String, Long> coverage,
      Map<String, Long> expected,
      List<Dataset<Row>> usage) {
    String answersPath = config.get(ConfigKeys.EVAL_ANSWERS);
    Dataset<Row> answers =
        answersPath.isEmpty()
            ? run.readPartition(InferenceResults.SPEC, null, "infer")
            : readTable(run, answersPath, "eval.answers");
    String idCol = config.get(ConfigKeys.EVAL_ANSWER_ID_COLUMN);
    String outCol = config.get(ConfigKeys.EVAL_OUTPUT_COLUMN);
    String systemCol = config.get(ConfigKeys.EVAL_SYSTEM_COLUMN);
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
            col(idCol).cast("string").as(Answered.ID),
            coalesce(system, lit("unknown")).as(Answered.SYSTEM),
            col(outCol).cast("string").as(Answered.OUTPUT));
    usage.add(usageScores(answers, col(idCol).cast("string"), system, coverage));

    Dataset<Row> refs = readTable(run, referencesPath, "eval.references");
    String refId = config.get(ConfigKeys.EVAL_REFERENCE_ID_COLUMN);
    String refCol = config.get(ConfigKeys.EVAL_REFERENCE_COLUMN);
    String tagsCol = config.get(ConfigKeys.EVAL_TAGS_COLUMN);
    requireColumns(
        refs, referencesPath, "eval.reference-id-column / eval.reference-column", refId, refCol);
    String questionCol = config.get(ConfigKeys.EVAL_QUESTION_COLUMN);
    Dataset<Row> r =
        refs.select(
            col(refId).cast("string").as(Answered.ID),
            asList(refs, refCol).as(Answered.REFS),
            Arrays.asList(refs.columns()).contains(questionCol)
                ? col(questionCol).cast("string").as(Answered.QUESTION)
                : lit(null).cast("string").as(Answered.QUESTION),
            Arrays.asList(refs.columns()).contains(tagsCol)
                ? asList(refs, tagsCol).as(Answered.TAGS)
                : array().cast("array<string>").as(Answered.TAGS));
    Dataset<Row> joined =
        a.join(r, a.col(Answered.ID).equalTo(r.col(Answered.ID)), "full_outer")
            .select(
                coalesce(a.col(Answered.ID), r.col(Answered.ID)).as(Answered.ID),
                a.col(Answered.SYSTEM),
                a.col(Answered.OUTPUT),
                r.col(Answered.REFS),
                r.col(Answered.QUESTION),
                r.col(Answered.TAGS));
    Row c =
        joined
            .agg(
                count(lit(1)).as("expected"),
                sum(when(col(Answered.SYSTEM).isNotNull().and(col(Answered.REFS).isNull()), 1)
                        .otherwise(0))
                    .as("without_reference"),
                sum(when(col(Answered.SYSTEM).isNull(), 1).otherwise(0))
                    .as("reference_without_answer"),
                sum(when(col(Answered.SYSTEM).isNotNull().and(col(Answered.OUTPUT).isNull()), 1)
                        .otherwise(0))
                    .as("without_output"))
            .first();
    coverage.put(ANSWER + "_expected", c.<Long>getAs("expected"));
    long unanswered = countOf(c, "reference_without_answer");
    for (Row bySystem :
        joined
            .filter(col(Answered.SYSTEM).isNotNull())
            .groupBy(Answered.SYSTEM)
            .count()
            .collectAsList()) {
      // a system should have answered its own answers' ids and every unanswered reference
      expected.put(bySystem.getAs(Answered.SYSTEM), bySystem.<Long>getAs("count") + unanswered);
    }
    coverage.put(ANSWER + "_without_reference", countOf(c, "without_reference"));
    coverage.put(ANSWER + "_reference_without_answer", unanswered);
    coverage.put(ANSWER + "_without_output", countOf(c, "without_output"));
    return joined;
  }

  /** A sum's value; 0 when there was nothing to sum. */
  private static long countOf(Row totals, String name) {
    Long n = totals.getAs(name);
    return n == null ? 0 : n;
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
              value.as(EvalScores.VALUE),
              lit(null).cast("array<double>").as(EvalScores.STATS));
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

  /** Cosine of answer and closest reference through the embed job's embedder, per partition. */
  private static Dataset<Row> embeddingSimilarity(
      JobRun run, BatchConfig config, Dataset<Row> answers) {
    // answers and references are both passages: the same prefix on each side
    EmbedAction.Settings settings =
        EmbedAction.Settings.from(config, config.get(ConfigKeys.EMBED_PASSAGE_PREFIX));
    dev.batchlm.spark.HadoopConf conf = run.hadoopConf();
    settings.load(conf); // a bad model or endpoint fails here, on the driver
    run.input(settings.source());
    return run.spark.createDataFrame(
        Answered.ROWS
            .rows(answers)
            .filter(Answered::scorable)
            .mapPartitions(
                examples -> {
                  Embedder embedder = settings.embedder(conf);
                  // a group of answers at a time: a task never holds its partition's vectors
                  return new Iterator<Row>() {
                    private Iterator<Row> group = Collections.emptyIterator();

                    @Override
                    public boolean hasNext() {
                      while (!group.hasNext() && examples.hasNext()) {
                        group = similarities(embedder, examples, SIMILARITY_GROUP);
                      }
                      return group.hasNext();
                    }

                    @Override
                    public Row next() {
                      if (!hasNext()) {
                        throw new NoSuchElementException();
                      }
                      return group.next();
                    }
                  };
                }),
        EvalScores.SCHEMA);
  }

  /** Answers scored together by {@link #embeddingSimilarity}, in batches of 32 texts. */
  private static final int SIMILARITY_GROUP = 256;

  /** The next {@code n} answers' embedding similarity rows. */
  private static Iterator<Row> similarities(Embedder embedder, Iterator<Answered> answers, int n) {
    List<Answered> in = new ArrayList<>();
    while (in.size() < n && answers.hasNext()) {
      in.add(answers.next());
    }
    double[] sims =
        EmbeddingSimilarity.score(
            embedder,
            in.stream().map(Answered::output).toList(),
            in.stream().map(Answered::refs).toList(),
            32);
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < in.size(); i++) {
      Answered a = in.get(i);
      out.add(EvalScores.row(ANSWER, a.system(), a.id(), EmbeddingSimilarity.NAME, sims[i], null));
    }
    return out.iterator();
  }

  private static List<Row> scoreAnswer(AnswerMetrics metrics, Answered a) {
    List<Row> out = new ArrayList<>();
    metrics
        .score(a.output(), a.refs())
        .forEach(
            (m, v) -> out.add(EvalScores.row(ANSWER, a.system(), a.id(), m, v.value(), v.stats())));
    return out;
  }

  private static Dataset<Row> scoreRetrievals(
      JobRun run, BatchConfig config, String path, int[] ks, Map<String, Long> coverage) {
    boolean docLevel = config.get(ConfigKeys.EVAL_LEVEL).equals("doc");
    Map<String, Map<String, Integer>> grades = readJudgments(run, config, path, docLevel);
    long judged =
        grades.values().stream().filter(g -> g.values().stream().anyMatch(v -> v >= 1)).count();
    Dataset<Row> retrievals =
        run.readPartition(Retrievals.SPEC, null, "retrieve")
            .filter(col(Retrievals.STEP).isNull()); // each method's own list, not its steps'
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
                  Map<String, Integer> g = bc.value().get(r.<String>getAs(Retrievals.QUERY_ID));
                  List<Row> out = new ArrayList<>();
                  if (g == null) {
                    return out.iterator();
                  }
                  List<RetrievalMetrics.Retrieved> run1 = new ArrayList<>();
                  for (Row h : r.<Row>getList(r.fieldIndex("hits"))) {
                    run1.add(
                        new RetrievalMetrics.Retrieved(h.getAs("id"), h.<Double>getAs("score")));
                  }
                  RetrievalMetrics.score(run1, g, ks)
                      .forEach(
                          (m, v) ->
                              out.add(
                                  EvalScores.row(
                                      RETRIEVAL,
                                      r.getAs(Retrievals.METHOD),
                                      r.getAs(Retrievals.QUERY_ID),
                                      m,
                                      v,
                                      null)));
                  return out.iterator();
                }),
        EvalScores.SCHEMA);
  }

  /** Query id → judged id → grade, from TREC qrels or a table. */
  private static Map<String, Map<String, Integer>> readJudgments(
      JobRun run, BatchConfig config, String path, boolean docLevel) {
    Map<String, Map<String, Integer>> out = new HashMap<>();
    if (config.get(ConfigKeys.EVAL_JUDGMENTS_FORMAT).equals("qrels")) {
      run.requireExists(new Path(path), "check eval.judgments");
      run.input(path);
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
    String listCol = config.get(ConfigKeys.EVAL_RELEVANT_COLUMN);
    String idCol = docLevel ? "doc_id" : "chunk_id";
    if (cols.contains(listCol)) {
      requireColumns(t, path, "eval.judgments", "query_id");
      for (Row r :
          t.select(col("query_id").cast("string").as("query_id"), asList(t, listCol).as("ids"))
              .collectAsList()) {
        Map<String, Integer> g =
            out.computeIfAbsent(r.<String>getAs("query_id"), q -> new HashMap<>());
        List<String> ids = r.getAs("ids") == null ? null : r.getList(r.fieldIndex("ids"));
        if (ids != null) {
          ids.forEach(id -> g.put(id, 1));
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
                  col("query_id").cast("string").as("query_id"),
                  col(idCol).cast("string").as("id"),
                  col("relevance").cast("int").as("relevance"))
              .collectAsList()) {
        Integer grade = r.getAs("relevance");
        out.computeIfAbsent(r.<String>getAs("query_id"), q -> new HashMap<>())
            .put(r.getAs("id"), grade == null ? 0 : grade);
      }
    }
    return out;
  }

  /** The baseline run's scores, from whichever date's partition of eval_scores holds it. */
  private static Dataset<Row> baselineScores(JobRun run, String runId) {
    Path table = Tables.table(run.root, EvalScores.SPEC);
    run.requireExists(table, "eval.baseline " + runId + ": no eval run has written there yet");
    FileStatus[] found;
    try {
      found =
          table
              .getFileSystem(run.spark.sparkContext().hadoopConfiguration())
              .globStatus(
                  new Path(table, Tables.RUN_DATE + "=*/" + EvalScores.RUN_ID + "=" + runId));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot list " + table + ": " + e.getMessage(), e);
    }
    if (found == null || found.length == 0) {
      throw new ConfigException(
          "eval.baseline "
              + runId
              + " has no rows in "
              + table
              + ": name an eval run id (see eval_summary.run_id)");
    }
    run.input(found[0].getPath().toString());
    // by the current schema: a run written before a column was added reads it as null
    return run.spark.read().schema(EvalScores.SCHEMA).parquet(found[0].getPath().toString());
  }

  /**
   * Examples that should have been scored, for the slice {@code all}: judged queries (retrieval),
   * compared examples (pairwise), or the system's answers plus the references nobody answered.
   */
  private static long expected(
      Summaries.Summary s, Map<String, Long> coverage, Map<String, Long> expectedBySystem) {
    if (s.kind().equals(RETRIEVAL) || s.kind().equals("pairwise")) {
      return coverage.getOrDefault(s.kind() + "_expected", s.n());
    }
    long expected = expectedBySystem.getOrDefault(s.system(), s.n());
    // usage comes from answers only, not from references nobody answered
    return s.kind().equals("usage")
        ? expected - coverage.getOrDefault(ANSWER + "_reference_without_answer", 0L)
        : expected;
  }

  private static List<EvalReport.Example> worstAnswers(
      Dataset<Row> answers, Dataset<Row> scores, List<String> metrics, int n) {
    if (metrics.isEmpty()) {
      return List.of();
    }
    String metric = metrics.contains("f1") ? "f1" : metrics.get(0);
    record Scored(String id, String system, double value) {}
    Dataset<Row> answerScores = scores.filter(col(EvalScores.KIND).equalTo(ANSWER));
    // many answers often tie (at 0): the ones worst on every metric come first
    Dataset<Row> overall =
        answerScores
            .groupBy(EvalScores.EXAMPLE_ID, EvalScores.SYSTEM)
            .agg(org.apache.spark.sql.functions.avg(EvalScores.VALUE).as("overall"));
    List<Scored> chosen =
        answerScores
            .filter(col(EvalScores.METRIC).equalTo(metric))
            .join(overall, new String[] {EvalScores.EXAMPLE_ID, EvalScores.SYSTEM})
            .orderBy(col(EvalScores.VALUE), col("overall"), col(EvalScores.EXAMPLE_ID))
            .limit(n)
            .collectAsList()
            .stream()
            .map(
                r ->
                    new Scored(
                        r.getAs(EvalScores.EXAMPLE_ID),
                        r.getAs(EvalScores.SYSTEM),
                        r.<Double>getAs(EvalScores.VALUE)))
            .toList();
    Map<String, Answered> examples = new HashMap<>();
    Answered.ROWS
        .rows(answers.filter(col(Answered.ID).isin(chosen.stream().map(Scored::id).toArray())))
        .collect()
        .forEach(a -> examples.put(a.id() + "|" + a.system(), a));
    List<EvalReport.Example> out = new ArrayList<>();
    for (Scored x : chosen) {
      Answered a = examples.get(x.id() + "|" + x.system());
      out.add(
          new EvalReport.Example(
              x.id(),
              x.system(),
              metric,
              x.value(),
              a == null || a.question() == null ? "" : a.question(),
              a == null ? "" : a.output(),
              a == null ? List.of() : a.refs()));
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
    run.input(path);
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
}
