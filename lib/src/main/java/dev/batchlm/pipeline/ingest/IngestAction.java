package dev.batchlm.pipeline.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.doc.ContentHash;
import dev.batchlm.doc.DocumentIngestor;
import dev.batchlm.doc.IngestOutcome;
import dev.batchlm.doc.IngestOutcome.Change;
import dev.batchlm.doc.Problem;
import dev.batchlm.doc.TextExtractor;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.ExecutorCache;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.table.Documents;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Ingest: files (any Hadoop path, recursively, every format Tika reads) or an input table (Parquet
 * or JSONL with id and text columns) into the run date's {@code documents} snapshot, and every
 * input it could not use into {@code quarantine}. Incremental: a file whose content hash equals its
 * hash in the previous date's snapshot (or in this date's, on a rerun) is not extracted again; its
 * text is copied. Change labels (new, changed, unchanged, deleted) compare with the previous date,
 * so a rerun of a night writes the same partition.
 */
public final class IngestAction {
  private IngestAction() {}

  /**
   * Counts of one ingest run: changes against {@code previousDate}'s snapshot (null on the first
   * night); {@code reused} documents kept their text from an earlier extraction of the same bytes
   * (the previous night's, or this date's on a {@code rerun}); {@code quarantinedByClass} is keyed
   * by error class.
   */
  public record Result(
      String runId,
      LocalDate runDate,
      LocalDate previousDate,
      boolean rerun,
      long documents,
      long added,
      long changed,
      long unchanged,
      long deleted,
      long reused,
      long quarantined,
      Map<String, Long> quarantinedByClass,
      String documentsPath,
      String quarantinePath,
      boolean kept) {}

  public static Result run(SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "ingest", config);
    // Every key is read before any work, so a bad value fails the job at once.
    String input =
        config.require(ConfigKeys.INGEST_INPUT, "pass --input PATH or --set ingest.input=PATH");
    String format = config.get(ConfigKeys.INGEST_FORMAT);
    Settings settings =
        new Settings(
            config.get(ConfigKeys.INGEST_MAX_FILE_BYTES),
            config.get(ConfigKeys.INGEST_MAX_CHARS),
            config.get(ConfigKeys.INGEST_MAX_UNDECODABLE_RATIO));
    int partitions = config.get(ConfigKeys.INGEST_PARTITIONS);
    Path inputPath = new Path(input);
    requireExists(spark.sparkContext().hadoopConfiguration(), inputPath);
    Optional<Result> kept = run.kept(Documents.SPEC, Result.class);
    if (kept.isPresent()) {
      return kept.get();
    }
    run.input(input);
    Snapshots before = snapshots(run);
    Broadcast<KnownHashes> knownHashes =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(before.known());
    JavaRDD<IngestOutcome> outcomes =
        format.equals("files")
            ? fromFiles(run, inputPath, settings, knownHashes, partitions)
            : fromTable(run, input, format, settings, knownHashes);
    outcomes.persist(StorageLevel.MEMORY_AND_DISK());
    run.stages.start("extract");
    Map<String, Long> byChange = new TreeMap<>(outcomes.map(o -> o.change().code()).countByValue());
    long reused = outcomes.filter(IngestOutcome::reused).count();
    run.stages.done(byChange + ", " + reused + " not extracted again (same content hash)");
    Result result = write(run, before, outcomes, byChange, reused);
    outcomes.unpersist();
    knownHashes.destroy();
    return result;
  }

  /** The newest earlier snapshot, this date's from an earlier run, and their content hashes. */
  private record Snapshots(
      Optional<LocalDate> previousDate,
      Dataset<Row> previous,
      Dataset<Row> sameDate,
      KnownHashes known) {}

  private static Snapshots snapshots(JobRun run) {
    run.stages.start("previous snapshots");
    Configuration hadoop = run.spark.sparkContext().hadoopConfiguration();
    Path documentsTable = Tables.table(run.root, Documents.SPEC);
    Optional<LocalDate> previousDate = Tables.latestBefore(documentsTable, run.runDate, hadoop);
    Dataset<Row> previous =
        read(run.spark, previousDate.map(d -> Tables.partition(documentsTable, d)));
    Dataset<Row> sameDate = read(run.spark, Tables.existing(documentsTable, run.runDate, hadoop));
    Tables.reusable(documentsTable, run.runDate, hadoop).forEach(run::reused);
    KnownHashes known = new KnownHashes(hashes(previous), hashes(sameDate));
    run.stages.done(
        previousDate.map(d -> known.previous().size() + " documents of " + d).orElse("none")
            + (known.sameDate().isEmpty() ? "" : ", " + known.sameDate().size() + " of this date"));
    return new Snapshots(previousDate, previous, sameDate, known);
  }

  /**
   * Writes the documents (extracted now, or carried from a snapshot when the content is the same)
   * and the quarantine rows; every input is exactly one of them.
   */
  private static Result write(
      JobRun run,
      Snapshots before,
      JavaRDD<IngestOutcome> outcomes,
      Map<String, Long> byChange,
      long reused) {
    run.stages.start("write");
    Timestamp now = Timestamp.from(run.started);
    Dataset<Row> extracted =
        run.spark.createDataFrame(
            outcomes
                .filter(o -> o.change() != Change.QUARANTINED && !o.reused())
                .map(new DocumentRow(run.runId, now)),
            Documents.SCHEMA);
    Dataset<Row> quarantine =
        run.spark.createDataFrame(
            outcomes
                .filter(o -> o.change() == Change.QUARANTINED)
                .map(new QuarantineRow(run.runId, now)),
            Quarantine.SCHEMA);
    var docs =
        run.output.stage(
            Documents.SPEC,
            extracted.unionByName(carried(run, before, outcomes)),
            run.runDate.toString());
    var bad = run.output.stage(Quarantine.SPEC, quarantine, run.runDate.toString(), "ingest");
    Map<String, Long> byClass =
        new TreeMap<>(
            outcomes
                .filter(o -> o.change() == Change.QUARANTINED)
                .map(IngestOutcome::errorClass)
                .countByValue());
    Set<String> seen =
        new HashSet<>(outcomes.map(IngestOutcome::docId).filter(Objects::nonNull).collect());
    long deleted =
        before.known().previous().keySet().stream().filter(id -> !seen.contains(id)).count();
    run.stages.done(docs.rows() + " documents, " + bad.rows() + " quarantined");
    long inputs = outcomes.count();
    if (docs.rows() + bad.rows() != inputs) {
      // Every input is a document or a quarantine row; anything else is a bug, not bad input.
      throw new IllegalStateException(
          inputs + " inputs but " + docs.rows() + " documents + " + bad.rows() + " quarantined");
    }
    run.rowsIn = inputs;
    run.counters.put("new", byChange.getOrDefault("new", 0L));
    run.counters.put("changed", byChange.getOrDefault("changed", 0L));
    run.counters.put("unchanged", byChange.getOrDefault("unchanged", 0L));
    run.counters.put("deleted", deleted);
    run.counters.put("extracted", docs.rows() - reused);
    run.counters.put("reused", reused);
    run.counters.put("quarantined_by_class", byClass);
    return run.commit(
        new Result(
            run.runId,
            run.runDate,
            before.previousDate().orElse(null),
            !before.known().sameDate().isEmpty(),
            docs.rows(),
            byChange.getOrDefault("new", 0L),
            byChange.getOrDefault("changed", 0L),
            byChange.getOrDefault("unchanged", 0L),
            deleted,
            reused,
            bad.rows(),
            byClass,
            docs.target().toString(),
            bad.target().toString(),
            false),
        true);
  }

  /** The snapshot rows of documents whose content did not change: not extracted again. */
  private static Dataset<Row> carried(
      JobRun run, Snapshots before, JavaRDD<IngestOutcome> outcomes) {
    Dataset<Row> reusedKeys =
        run.spark.createDataFrame(
            outcomes
                .filter(IngestOutcome::reused)
                .map(
                    o ->
                        RowFactory.create(
                            o.docId(), o.contentSha256(), o.sourceUri(), o.change().code())),
            new StructType()
                .add("r_doc_id", "string")
                .add("r_sha", "string")
                .add("r_source_uri", "string")
                .add("r_change", "string"));
    return before
        .previous()
        .unionByName(before.sameDate())
        .dropDuplicates(Documents.DOC_ID, Documents.CONTENT_SHA256)
        .join(
            reusedKeys,
            col(Documents.DOC_ID)
                .equalTo(col("r_doc_id"))
                .and(col(Documents.CONTENT_SHA256).equalTo(col("r_sha"))))
        .withColumn(Documents.RUN_ID, lit(run.runId))
        .withColumn(Documents.SOURCE_URI, col("r_source_uri"))
        .withColumn(Documents.CHANGE, col("r_change"))
        .select(Tables.columns(Documents.SCHEMA));
  }

  /** Content hashes by doc id: the previous run date's (for change labels) and this date's. */
  record KnownHashes(Map<String, String> previous, Map<String, String> sameDate)
      implements Serializable {}

  private static Dataset<Row> read(SparkSession spark, Optional<Path> partition) {
    return partition
        .map(p -> spark.read().schema(Documents.SCHEMA).parquet(p.toString()))
        .orElse(spark.createDataFrame(List.of(), Documents.SCHEMA));
  }

  private static Map<String, String> hashes(Dataset<Row> documents) {
    Map<String, String> out = new HashMap<>();
    for (Row r : documents.select(Documents.DOC_ID, Documents.CONTENT_SHA256).collectAsList()) {
      out.put(r.getAs(Documents.DOC_ID), r.getAs(Documents.CONTENT_SHA256));
    }
    return out;
  }

  public static void requireExists(Configuration hadoop, Path path) {
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      if (!fs.exists(path)) {
        throw new ConfigException(
            "Input path not found: "
                + path
                + " (ingest.input / --input): check the path and scheme");
      }
    } catch (IOException e) {
      throw new ConfigException("Cannot access input path " + path + ": " + e.getMessage(), e);
    }
  }

  /** Limits for extraction, sent to executors. */
  record Settings(long maxFileBytes, int maxChars, double maxUndecodableRatio)
      implements Serializable {
    DocumentIngestor ingestor() {
      return ExecutorCache.get(
          "ingestor:" + this,
          () ->
              new DocumentIngestor(
                  new TextExtractor(maxChars, maxUndecodableRatio), maxFileBytes, maxChars));
    }
  }

  /** One listed file: where it is, its path relative to the input root (its identity), its size. */
  record ListedFile(String uri, String relativePath, long size) implements Serializable {}

  private static JavaRDD<IngestOutcome> fromFiles(
      JobRun run, Path root, Settings settings, Broadcast<KnownHashes> hashes, int partitions) {
    run.stages.start("list files");
    List<ListedFile> files = new ArrayList<>();
    try {
      FileSystem fs = root.getFileSystem(run.spark.sparkContext().hadoopConfiguration());
      // normalized, so that a root given as "../corpus" yields the same relative paths (doc ids)
      Path qualifiedRoot = new Path(fs.makeQualified(root).toUri().normalize().toString());
      String rootPath = qualifiedRoot.toUri().getPath();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(qualifiedRoot, true);
      while (it.hasNext()) {
        LocatedFileStatus st = it.next();
        String uri = st.getPath().toUri().toString();
        String path = st.getPath().toUri().getPath();
        String rel =
            path.equals(rootPath)
                ? st.getPath().getName() // the input is a single file
                : path.substring(rootPath.length()).replaceFirst("^/", "");
        files.add(new ListedFile(uri, rel, st.getLen()));
      }
    } catch (IOException e) {
      throw new ConfigException("Cannot list input path " + root + ": " + e.getMessage(), e);
    }
    files.sort((a, b) -> a.uri().compareTo(b.uri()));
    run.stages.done(files.size() + " files");
    int slices =
        partitions > 0
            ? partitions
            : Math.max(
                1, Math.min(files.size(), run.spark.sparkContext().defaultParallelism() * 4));
    return JavaSparkContext.fromSparkContext(run.spark.sparkContext())
        .parallelize(files, slices)
        .map(new ReadFile(settings, run.hadoopConf(), hashes));
  }

  /** Executor side: reads one file through Hadoop and ingests it. */
  static final class ReadFile implements Function<ListedFile, IngestOutcome> {
    private final Settings settings;
    private final HadoopConf conf;
    private final Broadcast<KnownHashes> hashes;

    ReadFile(Settings settings, HadoopConf conf, Broadcast<KnownHashes> hashes) {
      this.settings = settings;
      this.conf = conf;
      this.hashes = hashes;
    }

    @Override
    public IngestOutcome call(ListedFile f) {
      String docId = ContentHash.id(24, f.relativePath());
      KnownHashes known = hashes.value();
      return settings
          .ingestor()
          .file(
              docId,
              f.uri(),
              f.size(),
              () -> read(f),
              known.previous().get(docId),
              known.sameDate().get(docId));
    }

    private byte[] read(ListedFile f) throws IOException {
      Path p = new Path(java.net.URI.create(f.uri()));
      try (InputStream in = p.getFileSystem(conf.get()).open(p)) {
        return in.readAllBytes();
      }
    }
  }

  static JavaRDD<IngestOutcome> fromTable(
      JobRun run, String input, String format, Settings settings, Broadcast<KnownHashes> hashes) {
    BatchConfig config = run.config;
    String idCol = config.get(ConfigKeys.INGEST_ID_COLUMN);
    String textCol = config.get(ConfigKeys.INGEST_TEXT_COLUMN);
    String titleCol = config.get(ConfigKeys.INGEST_TITLE_COLUMN);
    run.stages.start("read table");
    Dataset<Row> in =
        format.equals("parquet")
            ? run.spark.read().parquet(input)
            : run.spark
                .read()
                .option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", "_corrupt_record")
                .json(input);
    List<String> present = Arrays.asList(in.columns());
    for (var required :
        List.of(
            Map.entry(ConfigKeys.INGEST_ID_COLUMN.name(), idCol),
            Map.entry(ConfigKeys.INGEST_TEXT_COLUMN.name(), textCol),
            Map.entry(ConfigKeys.INGEST_TITLE_COLUMN.name(), titleCol))) {
      if (!required.getValue().isEmpty() && !present.contains(required.getValue())) {
        throw new ConfigException(
            "Input table "
                + input
                + " has no column '"
                + required.getValue()
                + "' ("
                + required.getKey()
                + "); its columns are: "
                + String.join(
                    ", ", present.stream().filter(c -> !c.equals("_corrupt_record")).toList()));
      }
    }
    Dataset<Row> rows =
        in.select(
            col(idCol).cast("string").as("id"),
            col(textCol).cast("string").as("text"),
            titleCol.isEmpty()
                ? lit(null).cast("string").as("title")
                : col(titleCol).cast("string").as("title"),
            input_file_name().as("file"),
            present.contains("_corrupt_record")
                ? col("_corrupt_record")
                : lit(null).cast("string").as("_corrupt_record"),
            count(lit(1)).over(Window.partitionBy(col(idCol).cast("string"))).as("copies"));
    run.stages.done("columns " + present);
    return rows.javaRDD().map(new ReadRow(settings, hashes));
  }

  /** Executor side: one row of an input table. */
  static final class ReadRow implements Function<Row, IngestOutcome> {
    private final Settings settings;
    private final Broadcast<KnownHashes> hashes;

    ReadRow(Settings settings, Broadcast<KnownHashes> hashes) {
      this.settings = settings;
      this.hashes = hashes;
    }

    @Override
    public IngestOutcome call(Row r) {
      String id = r.getAs("id");
      String file = r.getAs("file");
      String source = file + (id == null ? "" : "#id=" + id);
      String line = r.getAs("_corrupt_record");
      if (line != null) {
        return IngestOutcome.quarantined(
            null,
            file,
            null,
            new Problem(
                Problem.ErrorClass.CORRUPT,
                "malformed JSON line: "
                    + (line.length() > 80 ? line.substring(0, 80) + "..." : line)));
      }
      long copies = r.getAs("copies");
      if (id != null && copies > 1) {
        return IngestOutcome.quarantined(
            id,
            source,
            null,
            new Problem(
                Problem.ErrorClass.DUPLICATE_ID,
                "id '" + id + "' appears " + copies + " times: ids must be unique; fix the input"));
      }
      return settings
          .ingestor()
          .row(id, source, r.getAs("text"), r.getAs("title"), hashes.value().previous().get(id));
    }
  }

  /** A new or changed document as a {@code documents} row. */
  static final class DocumentRow implements Function<IngestOutcome, Row> {
    private final String runId;
    private final Timestamp now;

    DocumentRow(String runId, Timestamp now) {
      this.runId = runId;
      this.now = now;
    }

    @Override
    public Row call(IngestOutcome o) {
      return RowFactory.create(
          runId,
          o.docId(),
          o.sourceUri(),
          o.contentSha256(),
          o.mimeType(),
          o.title(),
          o.text(),
          o.text().codePointCount(0, o.text().length()),
          now,
          o.change().code());
    }
  }

  /** A quarantined input as a {@code quarantine} row. */
  static final class QuarantineRow implements Function<IngestOutcome, Row> {
    private final String runId;
    private final Timestamp now;

    QuarantineRow(String runId, Timestamp now) {
      this.runId = runId;
      this.now = now;
    }

    @Override
    public Row call(IngestOutcome o) {
      return Quarantine.row(runId, o.sourceUri(), o.errorClass(), o.message(), now);
    }
  }
}
