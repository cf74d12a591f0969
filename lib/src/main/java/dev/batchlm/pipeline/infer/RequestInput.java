package dev.batchlm.pipeline.infer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import dev.batchlm.config.ConfigException;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.table.Chunks;
import dev.batchlm.table.Retrievals;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests table, read as its format says (JSONL, Parquet, OpenAI batch lines), checked against
 * the prompt's variables, with each request's retrieved passages when {@code infer.rag} is on, and
 * prepared ({@link Prepare}).
 */
final class RequestInput {
  private static final Logger LOG = LoggerFactory.getLogger("batchlm");

  private RequestInput() {}

  /**
   * The input prepared and looked up in the cache, by kind: {@link CacheLookup.Looked} rows of the
   * requests, {@link Finished} rows of requests that could not be built, and {@link
   * Prepare.Quarantined} lines; {@code all} holds them, in memory, until {@link #release}.
   */
  record Split(
      Dataset<Row> requests,
      Dataset<Row> unanswerable,
      Dataset<Row> quarantined,
      Dataset<Row> all) {
    void release() {
      all.unpersist();
    }
  }

  /**
   * Reads and prepares the requests table, its bad lines numbered and its ids checked, and looks
   * each request up in {@code cache}. One pass: each row is rendered and keyed once, and its
   * request shuffled once, by the join, whose rows are then held for the rest of the run.
   */
  static Split load(JobRun run, InferSettings s, Path cache) {
    Dataset<Row> input = read(run, s);
    Dataset<Row> looked =
        CacheLookup.lookupEach(run.spark, prepare(s, input, run.runId), cache, s)
            .persist(StorageLevel.MEMORY_AND_DISK());
    Split split =
        new Split(
            looked
                .filter(col(CacheLookup.REQUEST).isNotNull())
                .select(CacheLookup.REQUEST, CacheLookup.ENTRY),
            RecordRows.present(looked, "unanswerable"),
            numbered(s, input, RecordRows.present(looked, "quarantined"), run.runId),
            looked);
    return uniqueIds(s, input, split);
  }

  static Dataset<Row> read(JobRun run, InferSettings s) {
    run.requireExists(new Path(s.input()), "check infer.input");
    Dataset<Row> in =
        switch (s.format()) {
          case "parquet" -> run.spark.read().parquet(s.input());
          case "openai-batch" -> run.spark.read().text(s.input());
          default ->
              run.spark
                  .read()
                  .option("mode", "PERMISSIVE")
                  .option("columnNameOfCorruptRecord", Prepare.CORRUPT)
                  .json(s.input());
        };
    if (!s.format().equals("parquet")) { // lines: quarantine rows name their file
      in = in.withColumn(Prepare.SOURCE_FILE, functions.input_file_name());
    }
    if (s.format().equals("openai-batch")) {
      return in;
    }
    checkColumns(s, Arrays.asList(in.columns()));
    return s.rag() ? withPassages(run, s, in) : in;
  }

  /** The columns the config and the prompt name are there, or the run stops naming them. */
  private static void checkColumns(InferSettings s, List<String> columns) {
    if (!s.messagesColumn().isEmpty() && !columns.contains(s.messagesColumn())) {
      throw new ConfigException(
          "Requests table "
              + s.input()
              + " has no column '"
              + s.messagesColumn()
              + "' (infer.messages-column); its columns are: "
              + String.join(", ", columns));
    }
    if (s.prompt() == null || !s.messagesColumn().isEmpty()) {
      return;
    }
    for (String v : s.prompt().variables()) {
      if (!columns.contains(v) && !(s.rag() && v.equals(Prepare.CONTEXT))) {
        throw new ConfigException(
            "Prompt "
                + s.prompt().name()
                + " uses {{"
                + v
                + "}} but requests table "
                + s.input()
                + " has no column '"
                + v
                + "'; its columns are: "
                + String.join(", ", columns)
                + (v.equals(Prepare.CONTEXT) ? " (set infer.rag=true to fill {{context}})" : ""));
      }
    }
  }

  /** Adds each request's retrieved chunks (rank, chunk id, text) for the context. */
  private static Dataset<Row> withPassages(JobRun run, InferSettings s, Dataset<Row> in) {
    String queryColumn = s.ragQueryColumn().isEmpty() ? s.idColumn() : s.ragQueryColumn();
    if (!Arrays.asList(in.columns()).contains(queryColumn)) {
      throw new ConfigException(
          "infer.rag needs the query id of each request: requests table "
              + s.input()
              + " has no column '"
              + queryColumn
              + "' (set infer.rag-query-column)");
    }
    Dataset<Row> retrievals =
        run.readPartition(Retrievals.SPEC, null, "retrieve")
            .filter(col(Retrievals.METHOD).equalTo(s.ragMethod()))
            .filter(col(Retrievals.STEP).isNull()) // a method's own list, not its steps'
            .filter(col(Retrievals.RANK).leq(s.ragTopK()));
    Dataset<Row> chunks =
        run.readPartition(Chunks.SPEC, null, "chunk").select(Chunks.CHUNK_ID, Chunks.TEXT);
    Dataset<Row> passages =
        retrievals
            .join(chunks, Retrievals.CHUNK_ID)
            .groupBy(col(Retrievals.QUERY_ID).as("__query"))
            .agg(
                functions
                    .collect_list(struct(Retrievals.RANK, Retrievals.CHUNK_ID, Chunks.TEXT))
                    .as(Prepare.PASSAGES));
    return in.join(
            passages, in.col(queryColumn).cast("string").equalTo(passages.col("__query")), "left")
        .drop("__query");
  }

  /** Input rows to {@link Prepare.Prepared} rows: a request, an unanswerable one, or quarantine. */
  static Dataset<Row> prepare(InferSettings s, Dataset<Row> input, String runId) {
    return input
        .sparkSession()
        .createDataFrame(
            input.javaRDD().mapPartitions(new Prepare(s, input.schema(), runId)),
            Prepare.ROWS.schema());
  }

  /**
   * The rejected lines of a line format (JSONL, OpenAI batch lines), prepared again from numbered
   * lines so that each names its file and line: Spark's JSON reader keeps no line numbers. Only the
   * files that had a bad line are read again, parsed as the first read parsed them; a run without
   * one reads nothing twice. Should the two reads disagree, the unnumbered rows stay.
   *
   * @param rejected {@link Prepare.Quarantined} rows
   */
  static Dataset<Row> numbered(
      InferSettings s, Dataset<Row> input, Dataset<Row> rejected, String runId) {
    if (s.format().equals("parquet") || rejected.isEmpty()) {
      return rejected;
    }
    SparkSession spark = input.sparkSession();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    boolean json = !s.format().equals("openai-batch"); // batch lines are read as text
    JavaRDD<Row> lines =
        rejected.select("file").distinct().as(Encoders.STRING()).collectAsList().stream()
            .map(
                file ->
                    sc.textFile(file)
                        .zipWithIndex() // in file order: a file's splits are partitions in order
                        .filter(l -> !json || !l._1().isBlank()) // JSON skips blank lines
                        .map(l -> RowFactory.create(l._1(), l._2() + 1, file)))
            .reduce(JavaRDD::union)
            .orElseThrow();
    Dataset<Row> again =
        spark.createDataFrame(
            lines,
            new StructType()
                .add("value", DataTypes.StringType)
                .add(Prepare.LINE, DataTypes.LongType)
                .add(Prepare.SOURCE_FILE, DataTypes.StringType));
    if (json) {
      again = parsedAsBefore(again, input.schema());
    }
    if (Arrays.asList(input.columns()).contains(Prepare.PASSAGES)) { // passages make no row bad
      again =
          again.withColumn(
              Prepare.PASSAGES, lit(null).cast(input.schema().apply(Prepare.PASSAGES).dataType()));
    }
    Dataset<Row> numbered = RecordRows.present(prepare(s, again, runId), "quarantined");
    numbered.persist(StorageLevel.MEMORY_AND_DISK());
    if (numbered.count() != rejected.count()) {
      LOG.warn("Rejected lines read again differ from the first read; kept without line numbers");
      numbered.unpersist();
      return rejected;
    }
    return numbered;
  }

  private static Dataset<Row> parsedAsBefore(Dataset<Row> lines, StructType inputSchema) {
    StructType parsed = new StructType();
    for (StructField f : inputSchema.fields()) {
      if (!f.name().equals(Prepare.SOURCE_FILE) && !f.name().equals(Prepare.PASSAGES)) {
        parsed = parsed.add(f);
      }
    }
    return lines
        .select(
            from_json(
                    col("value"),
                    parsed,
                    Map.of("mode", "PERMISSIVE", "columnNameOfCorruptRecord", Prepare.CORRUPT))
                .as("j"),
            col(Prepare.LINE),
            col(Prepare.SOURCE_FILE))
        .select("j.*", Prepare.LINE, Prepare.SOURCE_FILE);
  }

  /**
   * Requests with unique ids: duplicate explicit ids fail the run; identical rows with derived ids
   * (a content hash) are one request.
   */
  private static Split uniqueIds(InferSettings s, Dataset<Row> input, Split split) {
    boolean explicit =
        s.format().equals("openai-batch") || Arrays.asList(input.columns()).contains(s.idColumn());
    if (!explicit) {
      Column id = col(CacheLookup.REQUEST + "." + Request.ID);
      return new Split(
          split.requests().withColumn("_id", id).dropDuplicates("_id").drop("_id"),
          split.unanswerable().dropDuplicates(Finished.REQUEST_ID),
          split.quarantined(),
          split.all());
    }
    List<Row> dups =
        split
            .requests()
            .select(col(CacheLookup.REQUEST + "." + Request.ID).as("id"))
            .unionByName(split.unanswerable().select(col(Finished.REQUEST_ID).as("id")))
            .groupBy("id")
            .count()
            .filter(col("count").gt(1))
            .limit(5)
            .collectAsList();
    if (!dups.isEmpty()) {
      throw new ConfigException(
          "Requests table "
              + s.input()
              + " has duplicate request ids ("
              + (s.format().equals("openai-batch") ? "custom_id" : s.idColumn())
              + "), e.g. "
              + dups.stream().map(r -> "'" + r.getAs("id") + "' × " + r.getAs("count")).toList()
              + ": make them unique, or drop the id column to derive ids from the content");
    }
    return split;
  }
}
