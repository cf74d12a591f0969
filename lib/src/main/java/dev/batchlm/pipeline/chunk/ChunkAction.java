package dev.batchlm.pipeline.chunk;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.batchlm.chunk.Chunk;
import dev.batchlm.chunk.ChunkSpec;
import dev.batchlm.chunk.Chunker;
import dev.batchlm.chunk.Chunkers;
import dev.batchlm.chunk.RecursiveChunker;
import dev.batchlm.chunk.TokenCounter;
import dev.batchlm.chunk.Unit;
import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.doc.ContentHash;
import dev.batchlm.doc.Problem;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.ExecutorCache;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.LocalCopies;
import dev.batchlm.table.Chunks;
import dev.batchlm.table.Documents;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.RunCommit;
import dev.batchlm.tokenizer.HfTokenizer;
import java.io.Serializable;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Chunk: the run date's {@code documents} into {@code chunks}. Incremental: chunks of a document
 * whose content hash and chunking strategy are unchanged since the previous {@code chunks}
 * partition are carried over, not recomputed. A document the chunker fails on is quarantined (stage
 * {@code chunk}).
 */
public final class ChunkAction {
  private ChunkAction() {}

  /** Counts of one chunk run. */
  public record Result(
      String runId,
      LocalDate runDate,
      String strategy,
      long documents,
      long chunkedDocuments,
      long carriedDocuments,
      long chunks,
      long quarantined,
      String chunksPath,
      boolean kept) {}

  public static ChunkSpec spec(BatchConfig config) {
    Unit unit = Unit.valueOf(config.get(ConfigKeys.CHUNK_UNIT).toUpperCase(Locale.ROOT));
    RecursiveChunker.Keep keep =
        RecursiveChunker.Keep.valueOf(
            config.get(ConfigKeys.CHUNK_KEEP_SEPARATOR).toUpperCase(Locale.ROOT));
    return new ChunkSpec(
        config.get(ConfigKeys.CHUNK_STRATEGY),
        config.get(ConfigKeys.CHUNK_SIZE),
        config.get(ConfigKeys.CHUNK_OVERLAP),
        unit,
        config.get(ConfigKeys.CHUNK_SEPARATORS),
        keep,
        config.get(ConfigKeys.CHUNK_TOKENIZER));
  }

  public static Result run(SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "chunk", config);
    Optional<Result> kept = run.kept(Chunks.SPEC, Result.class);
    if (kept.isPresent()) {
      return kept.get();
    }
    ChunkSpec spec = spec(config);
    HadoopConf conf = run.hadoopConf();
    String strategy = checkedStrategy(spec, conf);
    if (!spec.tokenizer().isEmpty()) {
      run.input(spec.tokenizer());
    }

    run.stages.start("read documents");
    Reuse reuse = reuse(run, readDocuments(run, config), strategy);
    run.stages.done(
        reuse.documents()
            + " documents, "
            + reuse.carriedDocuments()
            + " with chunks from earlier runs");

    run.stages.start("chunk");
    JavaRDD<JobRun.Output> produced =
        chunk(
            reuse.toChunk(),
            new ChunkDocument(spec, conf, strategy, run.runId, Timestamp.from(run.started)));
    RunCommit.Staged chunks;
    RunCommit.Staged bad;
    try (JobRun.Produced out = run.split(produced, Chunks.SPEC)) {
      chunks =
          run.output.stage(
              Chunks.SPEC, out.rows().unionByName(reuse.carried()), run.runDate.toString());
      bad = run.output.stage(Quarantine.SPEC, out.quarantine(), run.runDate.toString(), "chunk");
    }
    run.stages.done(chunks.rows() + " chunks, " + bad.rows() + " documents quarantined");

    long chunked = reuse.documents() - reuse.carriedDocuments() - bad.rows();
    run.rowsIn = reuse.documents();
    run.counters.put("strategy", strategy);
    run.counters.put("documents", reuse.documents());
    run.counters.put("carried_documents", reuse.carriedDocuments());
    run.counters.put("chunked_documents", chunked);
    return run.commit(
        new Result(
            run.runId,
            run.runDate,
            strategy,
            reuse.documents(),
            chunked,
            reuse.carriedDocuments(),
            chunks.rows(),
            bad.rows(),
            chunks.target().toString(),
            false),
        true);
  }

  /** The run date's documents: {@code chunk.input}, or the ingest job's partition. */
  private static Dataset<Row> readDocuments(JobRun run, BatchConfig config) {
    return run.readPartition(
        Documents.SPEC,
        config.isSet(ConfigKeys.CHUNK_INPUT) ? new Path(config.get(ConfigKeys.CHUNK_INPUT)) : null,
        "ingest");
  }

  /**
   * Documents to chunk, and the chunks carried over for the others: those of earlier runs with the
   * same strategy for a document whose content is unchanged.
   */
  private record Reuse(
      Dataset<Row> toChunk, Dataset<Row> carried, long documents, long carriedDocuments) {}

  private static Reuse reuse(JobRun run, Dataset<Row> documents, String strategy) {
    Dataset<Row> previous =
        run.readReusable(Chunks.SPEC)
            .filter(col(Chunks.STRATEGY).equalTo(strategy))
            // the same document version chunked on two dates: take its chunks once
            .dropDuplicates(Chunks.CHUNK_ID);
    Dataset<Row> reusable =
        previous
            .select(col(Chunks.DOC_ID).as("p_doc_id"), col(Chunks.DOC_SHA256).as("p_sha"))
            .distinct();
    var sameContent =
        col(Documents.DOC_ID)
            .equalTo(col("p_doc_id"))
            .and(col(Documents.CONTENT_SHA256).equalTo(col("p_sha")));
    Dataset<Row> unchanged =
        documents
            .join(reusable, sameContent, "left_semi")
            .select(
                col(Documents.DOC_ID).as("u_doc_id"), col(Documents.CONTENT_SHA256).as("u_sha"));
    Dataset<Row> carried =
        previous
            .join(
                unchanged,
                col(Chunks.DOC_ID)
                    .equalTo(col("u_doc_id"))
                    .and(col(Chunks.DOC_SHA256).equalTo(col("u_sha"))),
                "left_semi")
            .withColumn(Chunks.RUN_ID, lit(run.runId));
    return new Reuse(
        documents.join(reusable, sameContent, "left_anti"),
        carried,
        documents.count(),
        unchanged.count());
  }

  /** Each document's chunk rows, or its quarantine row. */
  static JavaRDD<JobRun.Output> chunk(Dataset<Row> documents, ChunkDocument chunker) {
    return documents
        .select(Documents.DOC_ID, Documents.CONTENT_SHA256, Documents.TEXT, Documents.SOURCE_URI)
        .javaRDD()
        .flatMap(chunker);
  }

  /** The chunker's strategy line, built on the driver: a bad size, overlap or tokenizer fails. */
  public static String checkedStrategy(ChunkSpec spec, HadoopConf conf) {
    if (spec.needsTokenizer() && spec.tokenizer().isEmpty()) {
      throw new ConfigException(
          "chunk.tokenizer is not set: strategy="
              + spec.strategy()
              + ", unit="
              + spec.unit().name().toLowerCase(Locale.ROOT)
              + " needs a Hugging Face tokenizer.json");
    }
    try {
      return chunker(spec, conf).strategy();
    } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
      throw new ConfigException(e.getMessage(), e);
    }
  }

  /** The configured chunker, with its tokenizer loaded once per JVM. */
  static Chunker chunker(ChunkSpec spec, HadoopConf conf) {
    return ExecutorCache.get(
        "chunker:" + spec,
        () -> {
          TokenCounter tokens =
              spec.tokenizer().isEmpty()
                  ? null
                  : ExecutorCache.get(
                      "tokenizer:" + spec.tokenizer(),
                      () -> HfTokenizer.fromFile(LocalCopies.of(spec.tokenizer(), conf.get())));
          return Chunkers.create(spec, tokens);
        });
  }

  /**
   * Executor side: chunks one document into {@code chunks} rows, or a {@code quarantine} row when
   * the chunker fails on it.
   */
  static final class ChunkDocument implements FlatMapFunction<Row, JobRun.Output>, Serializable {
    private final ChunkSpec spec;
    private final HadoopConf conf;
    private final String strategy;
    private final String runId;
    private final Timestamp now;

    ChunkDocument(ChunkSpec spec, HadoopConf conf, String strategy, String runId, Timestamp now) {
      this.spec = spec;
      this.conf = conf;
      this.strategy = strategy;
      this.runId = runId;
      this.now = now;
    }

    @Override
    public Iterator<JobRun.Output> call(Row d) {
      String docId = d.getAs(Documents.DOC_ID);
      String sha = d.getAs(Documents.CONTENT_SHA256);
      List<JobRun.Output> out = new ArrayList<>();
      try {
        for (Chunk c : chunker(spec, conf).chunk(d.<String>getAs(Documents.TEXT))) {
          out.add(
              JobRun.Output.row(
                  RowFactory.create(
                      runId,
                      ContentHash.id(32, docId, sha, strategy, c.charStart(), c.charEnd()),
                      docId,
                      sha,
                      c.index(),
                      c.text(),
                      c.charStart(),
                      c.charEnd(),
                      c.tokenCount(),
                      strategy,
                      c.section())));
        }
      } catch (RuntimeException e) {
        return List.of(
                JobRun.Output.quarantined(
                    Quarantine.row(
                        runId,
                        d.getAs(Documents.SOURCE_URI) + "#doc_id=" + docId,
                        Problem.ErrorClass.CHUNKING_FAILED.code(),
                        "chunker failed: " + e.getClass().getSimpleName() + ": " + e.getMessage(),
                        now)))
            .iterator();
      }
      return out.iterator();
    }
  }
}
