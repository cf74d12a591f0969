package dev.batchlm.pipeline.ftprep;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;

import dev.batchlm.doc.Problem;
import dev.batchlm.finetune.ChatFormats;
import dev.batchlm.finetune.Feedback;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.Quarantine;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Where examples come from: the run date's {@code inference_results} with the latest feedback on
 * each answer (selected by the feedback policy; a corrected answer replaces the model's), and chat
 * dataset files (OpenAI chat, ShareGPT, Alpaca lines). Lines that cannot be used are quarantined
 * with their file, line and reason; feedback on requests the night did not answer is counted.
 */
final class Sources {
  private Sources() {}

  /** The fields of an {@code inference_results} row that make an example. */
  record Answered(
      String requestId,
      String promptVersion,
      String model,
      String outputText,
      boolean valid,
      String error,
      String messages)
      implements Serializable {}

  /** An answer and the latest feedback on it (null: none). */
  record Rated(Answered answer, Feedback feedback) implements Serializable {}

  /** A line read: what it became, or its quarantine row's fields. */
  record Line<T>(T value, String file, long line, String text, String error)
      implements Serializable {}

  /** Feedback lines read, and the bad ones. */
  record FeedbackRead(Dataset<Row> feedback, Dataset<Row> quarantined) {}

  static final RecordRows<Feedback> FEEDBACK = RecordRows.of(Feedback.class);
  static final RecordRows<Rated> RATED = RecordRows.of(Rated.class);

  /** The feedback table: JSONL lines (numbered, for quarantine), or Parquet columns by name. */
  /**
   * @param cached where the numbered lines, cached for the feedback rows and the quarantine rows
   *     alike, are handed over to be released once the tables are written
   */
  static FeedbackRead feedback(JobRun run, String path, List<JavaRDD<?>> cached) {
    if (path.isEmpty()) {
      return new FeedbackRead(
          run.spark.createDataFrame(List.of(), FEEDBACK.schema()), emptyQuarantine(run));
    }
    run.requireExists(new Path(path), "check ft-prep.feedback");
    run.input(path);
    JavaRDD<Line<Feedback>> lines;
    if (path.endsWith(".parquet")) {
      lines =
          run.spark
              .read()
              .parquet(path)
              .selectExpr(
                  "cast(feedback_id as string) as feedback_id",
                  "cast(request_id as string) as request_id",
                  "cast(rating as string) as rating",
                  "cast(corrected_answer as string) as corrected_answer",
                  "cast(labeler_id as string) as labeler_id",
                  "cast(created_at as string) as created_at")
              .javaRDD()
              .zipWithIndex()
              .map(
                  r -> {
                    Row x = r._1();
                    String at = path + ":row " + (r._2() + 1);
                    try {
                      return new Line<>(
                          Feedback.of(
                              x.getAs("feedback_id") == null ? at : x.getAs("feedback_id"),
                              x.getAs("request_id"),
                              x.getAs("rating"),
                              x.getAs("corrected_answer"),
                              x.getAs("labeler_id"),
                              x.getAs("created_at")),
                          path,
                          r._2() + 1,
                          x.toString(),
                          null);
                    } catch (ChatFormats.BadLine e) {
                      return new Line<>(null, path, r._2() + 1, x.toString(), e.getMessage());
                    }
                  });
    } else {
      lines = numberedLines(run, path).map(l -> parsed(l, path, Feedback::parse));
    }
    lines = lines.cache();
    cached.add(lines);
    return new FeedbackRead(
        run.spark.createDataFrame(
            lines.filter(l -> l.value() != null).map(l -> FEEDBACK.toRow(l.value())),
            FEEDBACK.schema()),
        quarantine(run, lines, Problem.ErrorClass.MALFORMED_FEEDBACK));
  }

  /** The latest feedback on each request: the newest, ties by feedback id. */
  static Dataset<Row> latest(Dataset<Row> feedback) {
    return feedback
        .withColumn(
            "_n",
            row_number()
                .over(
                    Window.partitionBy("request_id")
                        .orderBy(col("created_at").desc_nulls_last(), col("feedback_id").desc())))
        .filter(col("_n").equalTo(1))
        .drop("_n");
  }

  /** The night's answers, each with its latest feedback. {@link Rated} rows. */
  static Dataset<Row> rated(Dataset<Row> results, Dataset<Row> latestFeedback) {
    Dataset<Row> answered =
        results.select(
            struct(
                    col(InferenceResults.REQUEST_ID).as("request_id"),
                    col(InferenceResults.PROMPT_VERSION).as("prompt_version"),
                    col(InferenceResults.MODEL).as("model"),
                    col(InferenceResults.OUTPUT_TEXT).as("output_text"),
                    col(InferenceResults.VALID).as("valid"),
                    col(InferenceResults.ERROR).as("error"),
                    col(InferenceResults.MESSAGES).as("messages"))
                .as("answer"));
    Dataset<Row> feedback =
        latestFeedback.select(
            col("request_id").as("_rid"), struct(FEEDBACK.columns()).as("feedback"));
    return answered
        .join(feedback, col("answer.request_id").equalTo(col("_rid")), "left")
        .select("answer", "feedback");
  }

  /** Feedback on requests that are not in the night's results: counted, not used. */
  static long unknownRequests(Dataset<Row> results, Dataset<Row> latestFeedback) {
    Dataset<Row> ids = results.select(col(InferenceResults.REQUEST_ID).as("_rid"));
    return latestFeedback
        .join(ids, latestFeedback.col("request_id").equalTo(ids.col("_rid")), "left_anti")
        .count();
  }

  /** An answer as a candidate, or dropped by the policy with its reason. */
  static Candidate candidate(Rated r, int minRating) {
    Answered a = r.answer();
    Feedback f = r.feedback();
    String dropped = null;
    List<ChatMessage> messages = new ArrayList<>();
    if (f == null) {
      dropped = "no_feedback";
    } else if (f.rejects(minRating).isPresent()) {
      dropped = f.rejects(minRating).get();
    } else if (a.messages() == null) {
      dropped = "no_messages"; // written before inference_results kept them
    } else if (f.correctedAnswer() == null && (a.error() != null || !a.valid())) {
      dropped = a.error() != null ? "error" : "invalid";
    } else {
      messages.addAll(ChatFormats.fromArray(a.messages()));
      messages.add(
          ChatMessage.assistant(
              f.correctedAnswer() != null ? f.correctedAnswer() : a.outputText()));
    }
    return new Candidate(
        "request:" + a.requestId(),
        "inference",
        a.requestId(),
        f == null ? null : f.feedbackId(),
        a.promptVersion(),
        a.model(),
        null,
        null,
        dropped == null ? ChatFormats.toArray(messages) : "[]",
        f == null ? null : f.rating() != null ? f.rating() : f.thumbsUp() ? 5 : 1,
        f != null && f.correctedAnswer() != null,
        f == null ? null : f.createdAt(),
        List.of(),
        dropped);
  }

  /** The chat dataset files, each line a candidate named by file name and line. */
  static Dataset<Row> datasets(
      JobRun run, List<String> paths, List<Dataset<Row>> quarantined, List<JavaRDD<?>> cached) {
    Dataset<Row> out = run.spark.createDataFrame(List.of(), Candidate.ROWS.schema());
    for (String path : paths) {
      run.requireExists(new Path(path), "check ft-prep.datasets");
      run.input(path);
      String name = new Path(path).getName(); // portable: no machine's folders in the table
      JavaRDD<Line<Candidate>> lines =
          numberedLines(run, path)
              .map(
                  l ->
                      parsed(
                          l,
                          path,
                          (text, at) ->
                              new Candidate(
                                  name + ":" + l._2(),
                                  "dataset:" + name,
                                  null,
                                  null,
                                  null,
                                  null,
                                  name,
                                  l._2(),
                                  ChatFormats.toArray(ChatFormats.read(text)),
                                  null,
                                  false,
                                  null,
                                  List.of(),
                                  null)))
              .cache();
      cached.add(lines);
      out =
          out.unionByName(
              Candidate.ROWS.dataset(
                  run.spark, lines.filter(l -> l.value() != null).map(Line::value)));
      quarantined.add(quarantine(run, lines, Problem.ErrorClass.MALFORMED_EXAMPLE));
    }
    return out;
  }

  /** A file's non-blank lines with their 1-based numbers, in file order. */
  private static JavaRDD<scala.Tuple2<String, Long>> numberedLines(JobRun run, String path) {
    return JavaSparkContext.fromSparkContext(run.spark.sparkContext())
        .textFile(path)
        .zipWithIndex()
        .map(l -> new scala.Tuple2<>(l._1(), l._2() + 1))
        .filter(l -> !l._1().isBlank());
  }

  interface Parser<T> extends Serializable {
    T parse(String text, String at);
  }

  /** A numbered line parsed; {@code at} ({@code file:line}) names it where it has no id. */
  private static <T> Line<T> parsed(scala.Tuple2<String, Long> l, String file, Parser<T> parser) {
    try {
      return new Line<>(parser.parse(l._1(), file + ":" + l._2()), file, l._2(), l._1(), null);
    } catch (ChatFormats.BadLine e) {
      return new Line<>(null, file, l._2(), l._1(), e.getMessage());
    }
  }

  private static <T> Dataset<Row> quarantine(
      JobRun run, JavaRDD<Line<T>> lines, Problem.ErrorClass errorClass) {
    String runId = run.runId;
    Timestamp at = new Timestamp(run.started.toEpochMilli());
    return run.spark.createDataFrame(
        lines
            .filter(l -> l.error() != null)
            .map(
                l ->
                    Quarantine.row(
                        runId,
                        l.file() + ":" + l.line() + ": " + excerpt(l.text()),
                        errorClass.code(),
                        l.error(),
                        at)),
        Quarantine.SCHEMA);
  }

  static Dataset<Row> emptyQuarantine(JobRun run) {
    return run.spark.createDataFrame(List.of(), Quarantine.SCHEMA);
  }

  private static String excerpt(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() > 120 ? one.substring(0, 120) + "..." : one;
  }
}
