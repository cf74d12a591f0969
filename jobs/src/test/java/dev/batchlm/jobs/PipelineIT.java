package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.table.Chunks;
import dev.batchlm.table.Documents;
import dev.batchlm.table.Embeddings;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.Retrievals;
import dev.batchlm.table.RunCommit;
import dev.batchlm.table.TableSpec;
import dev.batchlm.testing.LocalSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ingest and chunk on the sample corpus in local Spark, through the command line. */
class PipelineIT {
  static final Path CORPUS = Path.of("..", "samples", "corpus");
  static final String TOKENIZER =
      Path.of("..", "samples", "models", "demo-tokenizer", "tokenizer.json")
          .toAbsolutePath()
          .toString();
  static SparkSession spark;

  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = LocalSpark.session();
  }

  static void copyTree(Path from, Path to) throws Exception {
    try (var files = Files.walk(from)) {
      for (Path f : files.toList()) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  static Cli pipeline(Path in, Path root, String date, String... extra) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "pipeline",
                "--input",
                in.toString(),
                "--output",
                root.toString(),
                "--run-date",
                date,
                "--set",
                "chunk.strategy=markdown",
                "--set",
                "chunk.size=500",
                "--set",
                "chunk.overlap=50",
                "--set",
                "chunk.tokenizer=\"" + TOKENIZER + "\""));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  static Dataset<Row> table(Path root, TableSpec spec, String date) {
    return spark.read().parquet(root.resolve(spec.name()).resolve("run_date=" + date).toString());
  }

  /** The key-value metadata in the footer of a partition's first Parquet file. */
  static Map<String, String> footer(Path partition) throws Exception {
    Path file;
    try (var files = Files.list(partition)) {
      file = files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    try (var reader =
        org.apache.parquet.hadoop.ParquetFileReader.open(
            org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()),
                new org.apache.hadoop.conf.Configuration()))) {
      return reader.getFooter().getFileMetaData().getKeyValueMetaData();
    }
  }

  /** Reads a Parquet footer directly (Spark marks every column nullable when it reads files). */
  static void assertWrittenSchema(Path partition, StructType expected) throws Exception {
    Path file;
    try (var files = Files.list(partition)) {
      file = files.filter(f -> f.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    org.apache.parquet.schema.MessageType written;
    try (var reader =
        org.apache.parquet.hadoop.ParquetFileReader.open(
            org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toUri()),
                new org.apache.hadoop.conf.Configuration()))) {
      written = reader.getFooter().getFileMetaData().getSchema();
    }
    assertThat(written.getFieldCount()).isEqualTo(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      var field = expected.fields()[i];
      var column = written.getType(i);
      assertThat(column.getName()).isEqualTo(field.name());
      assertThat(column.isRepetition(org.apache.parquet.schema.Type.Repetition.REQUIRED))
          .as(field.name() + " required")
          .isEqualTo(!field.nullable());
    }
    assertThat(spark.read().parquet(partition.toString()).schema().simpleString())
        .isEqualTo(expected.simpleString());
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> manifest(Path root, String table, String date) throws Exception {
    Path p = root.resolve(table).resolve("run_date=" + date).resolve("_run.json");
    return new com.fasterxml.jackson.databind.ObjectMapper().readValue(p.toFile(), Map.class);
  }

  @Test
  void samplesBecomeDocumentsChunksAndQuarantineRows() throws Exception {
    Path in = tmp.resolve("in");
    copyTree(CORPUS, in);
    Path root = tmp.resolve("root");
    assertThat(pipeline(in, root, "2026-01-01").exitCode).isZero();

    Dataset<Row> docs = table(root, Documents.SPEC, "2026-01-01");
    Dataset<Row> chunks = table(root, Chunks.SPEC, "2026-01-01");
    Dataset<Row> bad = spark.read().parquet(root.resolve("quarantine").toString());
    long files;
    try (var s = Files.walk(in)) {
      files = s.filter(Files::isRegularFile).count();
    }
    // Every input file is a document or a quarantine row.
    assertThat(docs.count() + bad.count()).isEqualTo(files);
    assertThat(bad.select("error_class").as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .containsExactlyInAnyOrder("empty", "encrypted", "unsupported_type", "corrupt");
    assertThat(bad.filter("stage = 'ingest'").count()).isEqualTo(4);

    // The written files have exactly the declared schemas, nullability included.
    assertWrittenSchema(root.resolve("documents/run_date=2026-01-01"), Documents.SCHEMA);
    assertWrittenSchema(root.resolve("chunks/run_date=2026-01-01"), Chunks.SCHEMA);
    assertWrittenSchema(
        root.resolve("quarantine/run_date=2026-01-01/stage=ingest"), Quarantine.SCHEMA);

    // Offsets point exactly into the document text, checked by Spark SQL's own substring.
    docs.createOrReplaceTempView("d");
    chunks.createOrReplaceTempView("c");
    long wrong =
        spark
            .sql(
                "SELECT c.chunk_id FROM c JOIN d ON c.doc_id = d.doc_id"
                    + " WHERE substring(d.text, c.char_start + 1, c.char_end - c.char_start) <> c.text")
            .count();
    assertThat(wrong).isZero();
    assertThat(spark.sql("SELECT count(DISTINCT doc_id) FROM c").first().getLong(0))
        .isEqualTo(docs.count());
    assertThat(spark.sql("SELECT count(DISTINCT chunk_id) = count(*) FROM c").first().getBoolean(0))
        .isTrue();
    assertThat(
            spark
                .sql("SELECT count(*) FROM c WHERE token_count IS NULL OR token_count <= 0")
                .first()
                .getLong(0))
        .isZero();
    assertThat(spark.sql("SELECT max(char_end - char_start) FROM c").first().getInt(0))
        .isLessThanOrEqualTo(500);
    // Emoji and CJK made it through intact.
    assertThat(
            spark
                .sql("SELECT count(*) FROM c WHERE text LIKE '%京都%' OR text LIKE '%🔋%'")
                .first()
                .getLong(0))
        .isGreaterThanOrEqualTo(2);

    Map<String, Object> m = manifest(root, "documents", "2026-01-01");
    assertThat(m)
        .containsKeys(
            "job", "run_id", "build", "config", "inputs", "row_counts", "timings", "seed");
    assertThat((Map<String, Object>) m.get("build"))
        .containsKeys("git_commit", "spark", "dl4j", "java");
    assertThat(((Map<String, Object>) m.get("row_counts"))).containsEntry("documents", 33);
  }

  @Test
  void secondNightProcessesOnlyWhatChangedAndARerunWritesTheSamePartition() throws Exception {
    Path in = tmp.resolve("in");
    copyTree(CORPUS.resolve("handbook"), in.resolve("handbook"));
    copyTree(CORPUS.resolve("products"), in.resolve("products"));
    Path root = tmp.resolve("root");
    assertThat(pipeline(in, root, "2026-01-01").exitCode).isZero();

    Files.writeString(
        in.resolve("handbook/leave-policy.md"),
        "\n## Sabbatical\nSix months after ten years.\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.APPEND);
    Files.delete(in.resolve("products/gridbox-battery.md"));
    Files.writeString(in.resolve("products/new-buoy.md"), "# Buoy\nA new wave buoy.\n");
    assertThat(pipeline(in, root, "2026-01-02").exitCode).isZero();

    Map<String, Object> ingest = counters(root, "documents", "2026-01-02");
    assertThat(ingest)
        .containsEntry("new", 1)
        .containsEntry("changed", 1)
        .containsEntry("unchanged", 4)
        .containsEntry("deleted", 1)
        .containsEntry("reused", 4)
        .containsEntry("extracted", 2);
    Map<String, Object> chunk = counters(root, "chunks", "2026-01-02");
    assertThat(chunk).containsEntry("carried_documents", 4).containsEntry("chunked_documents", 2);
    Map<String, String> changes =
        table(root, Documents.SPEC, "2026-01-02").collectAsList().stream()
            .collect(
                Collectors.toMap(
                    r -> r.getAs("source_uri").toString().replaceAll(".*/", ""),
                    r -> r.getAs("change")));
    assertThat(changes)
        .containsEntry("leave-policy.md", "changed")
        .containsEntry("new-buoy.md", "new")
        .containsEntry("onboarding.md", "unchanged")
        .doesNotContainKey("gridbox-battery.md");

    // Rerun of the same night with nothing changed: each job keeps its run, nothing is rewritten.
    String ingested = (String) manifest(root, "documents", "2026-01-02").get("run_id");
    String chunked = (String) manifest(root, "chunks", "2026-01-02").get("run_id");
    assertThat(pipeline(in, root, "2026-01-02").exitCode).isZero();
    assertThat(manifest(root, "documents", "2026-01-02")).containsEntry("run_id", ingested);
    assertThat(manifest(root, "chunks", "2026-01-02")).containsEntry("run_id", chunked);

    // Forced: same rows (apart from run ids), and nothing extracted again.
    List<Row> before =
        table(root, Documents.SPEC, "2026-01-02").drop("run_id").sort("doc_id").collectAsList();
    assertThat(pipeline(in, root, "2026-01-02", "--force").exitCode).isZero();
    assertThat(manifest(root, "documents", "2026-01-02")).doesNotContainEntry("run_id", ingested);
    assertThat(
            table(root, Documents.SPEC, "2026-01-02").drop("run_id").sort("doc_id").collectAsList())
        .isEqualTo(before);
    assertThat(counters(root, "documents", "2026-01-02"))
        .containsEntry("extracted", 0)
        .containsEntry("new", 1);
    assertThat(counters(root, "chunks", "2026-01-02")).containsEntry("chunked_documents", 0);
  }

  @Test
  void embedWritesOneVectorPerChunkAndEmbedsOnlyNewChunksOnARerun() throws Exception {
    Path in = tmp.resolve("in");
    copyTree(CORPUS.resolve("handbook"), in.resolve("handbook"));
    copyTree(CORPUS.resolve("community"), in.resolve("community"));
    Path root = tmp.resolve("root");
    String model = Path.of("..", "samples", "models", "demo-encoder").toAbsolutePath().toString();
    assertThat(pipeline(in, root, "2026-01-01", "--set", "embed.model=\"" + model + "\"").exitCode)
        .isZero();

    Dataset<Row> chunks = table(root, Chunks.SPEC, "2026-01-01");
    Dataset<Row> vectors = table(root, Embeddings.SPEC, "2026-01-01");
    assertWrittenSchema(root.resolve("embeddings/run_date=2026-01-01"), Embeddings.SCHEMA);
    Map<String, String> footer = footer(root.resolve("embeddings/run_date=2026-01-01"));
    assertThat(footer.get("batchlm.model_id")).startsWith("demo-encoder@");
    assertThat(footer)
        .containsEntry("batchlm.dim", "32")
        .containsEntry("batchlm.pooling", "mean")
        .containsEntry("batchlm.normalized", "true")
        .containsKeys("batchlm.weights_sha256", "batchlm.tokenizer_sha256");
    assertThat(vectors.count()).isEqualTo(chunks.count());
    assertThat(vectors.join(chunks, "chunk_id").count()).isEqualTo(chunks.count());
    assertThat(
            vectors
                .selectExpr(
                    "min(dim)", "max(dim)", "bool_and(normalized)", "count(DISTINCT model_id)")
                .first()
                .toString())
        .isEqualTo("[32,32,true,1]");

    // The vectors Spark wrote are the embedder's own for those texts (the wiring loses nothing).
    Row one = vectors.join(chunks, "chunk_id").select("text", "vector").orderBy("chunk_id").first();
    float[] expected =
        new dev.batchlm.embed.LocalEncoderEmbedder(
                Path.of(model),
                new dev.batchlm.embed.LocalEncoderEmbedder.Options("auto", null, "", 32, 0))
            .embed(List.of(one.getString(0)))
            .get(0)
            .vector();
    List<Float> written = one.getList(1);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) written.get(i))
          .isCloseTo(expected[i], org.assertj.core.api.Assertions.within(1e-5));
    }

    // Next night with one changed document: only its chunks are embedded again.
    Files.writeString(in.resolve("handbook/expenses.md"), "# Travel\nTrains first.\n");
    assertThat(pipeline(in, root, "2026-01-02", "--set", "embed.model=\"" + model + "\"").exitCode)
        .isZero();
    Map<String, Object> c = counters(root, "embeddings", "2026-01-02");
    long expensesChunks =
        table(root, Chunks.SPEC, "2026-01-02")
            .join(
                table(root, Documents.SPEC, "2026-01-02").filter("source_uri LIKE '%expenses.md'"),
                "doc_id")
            .count();
    assertThat(((Number) c.get("embedded")).longValue()).isEqualTo(expensesChunks);
    assertThat(((Number) c.get("carried")).longValue() + expensesChunks)
        .isEqualTo(table(root, Chunks.SPEC, "2026-01-02").count());

    // The same night again with other settings: nothing is reused, every vector is new
    List<Row> meanPooled =
        table(root, Embeddings.SPEC, "2026-01-02").orderBy("chunk_id").collectAsList();
    String[] cls = {"embed.pooling=cls", "embed.max-length=8"};
    assertThat(embed(root, model, cls).exitCode).isZero();
    Map<String, Object> again = counters(root, "embeddings", "2026-01-02");
    assertThat(((Number) again.get("carried")).longValue()).isZero();
    assertThat(((Number) again.get("embedded")).longValue()).isEqualTo(meanPooled.size());
    assertThat(footer(root.resolve("embeddings/run_date=2026-01-02")).get("batchlm.settings"))
        .startsWith("max_length=8,pooling=cls,normalize=true,prefix=\"\",tokenizer=");
    List<Row> clsPooled =
        table(root, Embeddings.SPEC, "2026-01-02").orderBy("chunk_id").collectAsList();
    for (int i = 0; i < meanPooled.size(); i++) {
      assertThat(clsPooled.get(i).<String>getAs("chunk_id"))
          .isEqualTo(meanPooled.get(i).getAs("chunk_id"));
      assertThat(clsPooled.get(i).getList(clsPooled.get(i).fieldIndex("vector")))
          .isNotEqualTo(meanPooled.get(i).getList(meanPooled.get(i).fieldIndex("vector")));
    }
    // with the same settings once more the run is kept; forced, everything is carried over
    Object clsRun = manifest(root, "embeddings", "2026-01-02").get("run_id");
    assertThat(embed(root, model, cls).exitCode).isZero();
    assertThat(manifest(root, "embeddings", "2026-01-02").get("run_id")).isEqualTo(clsRun);
    String[] forced = {"embed.pooling=cls", "embed.max-length=8", "run.force=true"};
    assertThat(embed(root, model, forced).exitCode).isZero();
    assertThat(((Number) counters(root, "embeddings", "2026-01-02").get("carried")).longValue())
        .isEqualTo(meanPooled.size());

    Cli badModel = embed(root, tmp.resolve("no-model").toString());
    assertThat(badModel.exitCode).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(badModel.err).contains("Cannot use embed.model").contains("config.json is missing");
  }

  /** The embed job alone on 2026-01-02 with this model and {@code key=value} settings. */
  static Cli embed(Path root, String model, String... sets) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "embed",
                "--output",
                root.toString(),
                "--run-date",
                "2026-01-02",
                "--set",
                "embed.model=\"" + model + "\""));
    for (String set : sets) {
      args.add("--set");
      args.add(set);
    }
    return Cli.run(args.toArray(String[]::new));
  }

  @Test
  void retrieveFindsTheExactVectorTopKAndBm25FindsTheAnsweringDocuments() throws Exception {
    Path root = tmp.resolve("root");
    String model = Path.of("..", "samples", "models", "demo-encoder").toAbsolutePath().toString();
    String questions = Path.of("..", "samples", "questions.jsonl").toAbsolutePath().toString();
    Cli cli =
        pipeline(
            CORPUS,
            root,
            "2026-01-01",
            "--set",
            "embed.model=\"" + model + "\"",
            "--set",
            "retrieve.queries=\"" + questions + "\"",
            "--set",
            "retrieve.methods=[vector, bm25, hybrid, rerank]",
            "--set",
            "retrieve.reranker=\"" + RERANKER + "\"");
    assertThat(cli.exitCode).as(cli.err).isZero();
    Dataset<Row> hits = table(root, Retrievals.SPEC, "2026-01-01");
    assertWrittenSchema(root.resolve("retrievals/run_date=2026-01-01"), Retrievals.SCHEMA);
    // 45 questions x 4 methods x top 10, ranks 1..10
    assertThat(hits.count()).isEqualTo(45 * 4 * 10);
    assertThat(
            hits.groupBy("query_id", "method")
                .agg(
                    org.apache.spark.sql.functions.min("rank"),
                    org.apache.spark.sql.functions.max("rank"),
                    org.apache.spark.sql.functions.countDistinct("chunk_id"))
                .distinct()
                .drop("query_id", "method")
                .distinct()
                .collectAsList()
                .toString())
        .isEqualTo("[[1,10,10]]");

    // Vector: the written top 10 is the brute-force top 10 over every embedding (scores to 1e-5).
    Map<String, float[]> vectors = new java.util.HashMap<>();
    for (Row r :
        table(root, Embeddings.SPEC, "2026-01-01").select("chunk_id", "vector").collectAsList()) {
      List<Float> v = r.getList(1);
      float[] f = new float[v.size()];
      for (int i = 0; i < f.length; i++) {
        f[i] = v.get(i);
      }
      vectors.put(r.getString(0), f);
    }
    var embedder =
        new dev.batchlm.embed.LocalEncoderEmbedder(
            Path.of(model),
            new dev.batchlm.embed.LocalEncoderEmbedder.Options("auto", null, "", 32, 0));
    List<Row> queries = spark.read().json(questions).select("query_id", "text").collectAsList();
    for (Row q : queries.subList(0, 10)) {
      float[] qv = embedder.embed(List.of(q.getString(1))).get(0).vector();
      List<double[]> expected = new java.util.ArrayList<>();
      Map<String, Double> cosine = new java.util.HashMap<>();
      vectors.forEach((id, v) -> cosine.put(id, cos(qv, v)));
      List<Double> best =
          cosine.values().stream().sorted(java.util.Comparator.reverseOrder()).limit(10).toList();
      List<Row> written =
          hits.filter("method = 'vector' AND query_id = '" + q.getString(0) + "'")
              .orderBy("rank")
              .collectAsList();
      for (int i = 0; i < 10; i++) {
        double score = written.get(i).getAs("score");
        assertThat(score)
            .as("query %s rank %d", q.getString(0), i + 1)
            .isCloseTo(best.get(i), org.assertj.core.api.Assertions.within(1e-5));
        assertThat(cosine.get((String) written.get(i).getAs("chunk_id")))
            .isCloseTo(score, org.assertj.core.api.Assertions.within(1e-5));
      }
    }

    // BM25 and hybrid find a document that answers most questions (the tiny random encoder does
    // not).
    hits.createOrReplaceTempView("h");
    spark.read().json(questions).createOrReplaceTempView("q");
    Map<String, Double> hitRate = new TreeMap<>();
    for (Row r :
        spark
            .sql(
                "SELECT method, avg(CASE WHEN found THEN 1.0 ELSE 0.0 END) FROM ("
                    + " SELECT h.method, h.query_id, max(array_contains(q.relevant_doc_ids, h.doc_id)) AS found"
                    + " FROM h JOIN q ON h.query_id = q.query_id GROUP BY h.method, h.query_id) GROUP BY method")
            .collectAsList()) {
      hitRate.put(r.getString(0), r.getDecimal(1).doubleValue());
    }
    System.out.println("doc-level hit rate at 10 on the sample questions: " + hitRate);
    assertThat(hitRate.get("bm25")).isGreaterThanOrEqualTo(0.95);
    assertThat(hitRate.get("hybrid")).isGreaterThanOrEqualTo(hitRate.get("vector"));
  }

  @Test
  void embedThroughAnOpenAiCompatibleEndpoint() throws Exception {
    var server =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();
    server.createContext(
        "/v1/embeddings",
        ex -> {
          // the first call fails with 503: the client retries it
          var input = json.readTree(ex.getRequestBody()).path("input");
          String reply;
          int status = calls.getAndIncrement() == 0 ? 503 : 200;
          if (status == 503) {
            reply = "overloaded";
          } else {
            var data = json.createArrayNode();
            for (int i = 0; i < input.size(); i++) {
              data.addObject()
                  .put("index", i)
                  .putArray("embedding")
                  .add(input.get(i).asText().length())
                  .add(1.0);
            }
            reply = json.createObjectNode().set("data", data).toString();
          }
          byte[] bytes = reply.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(status, bytes.length);
          try (var out = ex.getResponseBody()) {
            out.write(bytes);
          }
        });
    server.start();
    try {
      Path in = tmp.resolve("in");
      copyTree(CORPUS.resolve("handbook"), in.resolve("handbook"));
      Path root = tmp.resolve("root");
      Cli cli =
          pipeline(
              in,
              root,
              "2026-01-01",
              "--set",
              "embed.endpoint=\"http://127.0.0.1:" + server.getAddress().getPort() + "/v1\"",
              "--set",
              "embed.endpoint-model=fake-embedder",
              "--set",
              "embed.batch-size=4");
      assertThat(cli.exitCode).as(cli.err).isZero();
      List<Row> rows =
          table(root, Embeddings.SPEC, "2026-01-01")
              .join(table(root, Chunks.SPEC, "2026-01-01"), "chunk_id")
              .select("model_id", "text", "vector", "dim")
              .collectAsList();
      assertThat(rows).isNotEmpty().hasSize((int) table(root, Chunks.SPEC, "2026-01-01").count());
      for (Row r : rows) {
        assertThat(r.getString(0)).isEqualTo("endpoint:fake-embedder");
        assertThat(r.getList(2).get(0)).isEqualTo((float) r.getString(1).length());
        assertThat(r.getInt(3)).isEqualTo(2);
      }
      assertThat(calls.get()).isGreaterThan(1);
      assertThat(footer(root.resolve("embeddings/run_date=2026-01-01")))
          .containsEntry("batchlm.dim", "2");
    } finally {
      server.stop(0);
    }
  }

  static final String RERANKER =
      Path.of("..", "samples", "models", "demo-reranker").toAbsolutePath().toString();

  @Test
  void rerankScoresAreTheCrossEncodersOwnBestFirst() throws Exception {
    Path root = tmp.resolve("root");
    Path in = tmp.resolve("in");
    copyTree(CORPUS.resolve("products"), in.resolve("products"));
    Path queries =
        Files.writeString(
            tmp.resolve("q.jsonl"), "{\"query_id\": \"q1\", \"text\": \"battery fire safety\"}\n");
    Cli cli =
        pipeline(
            in,
            root,
            "2026-01-01",
            "--set",
            "retrieve.queries=\"" + queries + "\"",
            "--set",
            "retrieve.methods=[bm25, rerank]",
            "--set",
            "retrieve.reranker=\"" + RERANKER + "\"",
            "--set",
            "retrieve.rerank-depth=6",
            "--set",
            "retrieve.top-k=4");
    assertThat(cli.exitCode).as(cli.err).isZero();
    List<Row> reranked =
        table(root, Retrievals.SPEC, "2026-01-01")
            .filter("method = 'rerank'")
            .join(table(root, Chunks.SPEC, "2026-01-01"), "chunk_id")
            .orderBy("rank")
            .collectAsList();
    assertThat(reranked).hasSize(4);
    float[] expected =
        new dev.batchlm.retrieve.Reranker(Path.of(RERANKER), 4)
            .scores(
                "battery fire safety",
                reranked.stream().map(r -> r.<String>getAs("text")).toList());
    for (int i = 0; i < reranked.size(); i++) {
      assertThat((double) reranked.get(i).<Double>getAs("score"))
          .isCloseTo(expected[i], org.assertj.core.api.Assertions.within(1e-4));
      if (i > 0) {
        assertThat(expected[i]).isLessThanOrEqualTo(expected[i - 1]);
      }
    }
    Cli noModel =
        Cli.run(
            "retrieve",
            "--output",
            root.toString(),
            "--run-date",
            "2026-01-01",
            "--set",
            "retrieve.queries=\"" + queries + "\"",
            "--set",
            "retrieve.methods=[rerank]");
    assertThat(noModel.exitCode).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(noModel.err).contains("set retrieve.reranker");
  }

  static double cos(float[] a, float[] b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na) / Math.sqrt(nb);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> counters(Path root, String table, String date)
      throws Exception {
    return (Map<String, Object>) manifest(root, table, date).get("counters");
  }

  @Test
  void badTableRowsAreQuarantinedAndGoodRowsKept() throws Exception {
    Path jsonl = tmp.resolve("docs.jsonl");
    Files.writeString(
        jsonl,
        String.join(
            "\n",
            "{\"key\": \"a\", \"body\": \"Alpha text 😀\"}",
            "{\"key\": null, \"body\": \"no id\"}",
            "{\"key\": \"b\", \"body\": \"  \"}",
            "{\"key\": \"c\"}",
            "{\"key\": \"d\", \"body\": \"first d\"}",
            "{\"key\": \"d\", \"body\": \"second d\"}",
            "{\"key\": \"e\", \"body\": ",
            "{\"key\": 7, \"body\": \"numeric id\"}"));
    Path root = tmp.resolve("root");
    Cli cli =
        Cli.run(
            "ingest",
            "--input",
            jsonl.toString(),
            "--output",
            root.toString(),
            "--run-date",
            "2026-01-01",
            "--set",
            "ingest.format=jsonl",
            "--set",
            "ingest.id-column=key",
            "--set",
            "ingest.text-column=body");
    assertThat(cli.exitCode).as(cli.err).isZero();
    assertThat(
            table(root, Documents.SPEC, "2026-01-01")
                .select("doc_id")
                .as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList())
        .containsExactlyInAnyOrder("a", "7");
    List<String> reasons =
        spark
            .read()
            .parquet(root.resolve("quarantine").toString())
            .selectExpr("concat(error_class, ':', message)")
            .as(org.apache.spark.sql.Encoders.STRING())
            .collectAsList();
    assertThat(reasons).hasSize(6);
    assertThat(reasons)
        .filteredOn(r -> r.startsWith("duplicate_id:"))
        .hasSize(2)
        .allMatch(r -> r.contains("'d' appears 2 times"));
    assertThat(reasons).anyMatch(r -> r.startsWith("missing_value:row has no id"));
    assertThat(reasons).anyMatch(r -> r.startsWith("missing_value:row has no text"));
    assertThat(reasons).anyMatch(r -> r.startsWith("empty:"));
    assertThat(reasons).anyMatch(r -> r.startsWith("corrupt:malformed JSON line"));
  }

  @Test
  void jobLevelProblemsFailFastWithOneLineNamingThePathOrKey() throws Exception {
    Path root = tmp.resolve("root");
    Cli missing =
        Cli.run("ingest", "--input", tmp.resolve("nope").toString(), "--output", root.toString());
    assertThat(missing.exitCode).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(missing.err)
        .startsWith("batchlm: Input path not found: ")
        .contains("nope")
        .contains("ingest.input");

    Cli badKey = Cli.run("chunk", "--set", "chunk.overlapp=3");
    assertThat(badKey.exitCode).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(badKey.err)
        .contains("Unknown config key 'chunk.overlapp' in --set (did you mean 'chunk.overlap'?)");

    Path parquet = tmp.resolve("t.parquet");
    spark.sql("SELECT 'x' AS id, 'y' AS body").write().parquet(parquet.toString());
    Cli noColumn =
        Cli.run(
            "ingest",
            "--input",
            parquet.toString(),
            "--output",
            root.toString(),
            "--set",
            "ingest.format=parquet");
    assertThat(noColumn.exitCode).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(noColumn.err)
        .contains("has no column 'text' (ingest.text-column); its columns are: id, body");

    Cli noDocs = Cli.run("chunk", "--output", root.toString(), "--run-date", "2020-01-01");
    assertThat(noDocs.exitCode).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(noDocs.err)
        .contains("documents/run_date=2020-01-01 does not exist")
        .contains("run ingest for 2020-01-01 first");

    Cli badOverlap = Cli.run("chunk", "--output", root.toString(), "--set", "chunk.overlap=2000");
    assertThat(badOverlap.exitCode).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(badOverlap.err).contains("Invalid chunk.overlap: 2000");
    assertThat(root.resolve("chunks")).doesNotExist();
  }

  @Test
  void aFailedRunLeavesThePreviousPartitionAndNoHalfWrittenOne() throws Exception {
    Path root = tmp.resolve("root");
    StructType schema = Documents.SCHEMA;
    Dataset<Row> rows = spark.createDataFrame(List.of(), schema);
    RunCommit first = new RunCommit(spark, root.toString(), "run-1");
    first.stage(Documents.SPEC, rows, "2026-01-01");
    // Staged but not committed: invisible to readers of the table.
    assertThat(root.resolve("documents/run_date=2026-01-01")).doesNotExist();
    assertThat(spark.read().schema(schema).parquet(root.resolve("documents").toString()).count())
        .isZero();
    first.commit(Map.of("job", "test"));
    assertThat(root.resolve("documents/run_date=2026-01-01/_run.json")).exists();

    // A chunk run whose tasks fail (a corrupt documents file) writes nothing and keeps the old
    // chunks.
    Files.writeString(
        root.resolve("documents/run_date=2026-01-01/part-bad.parquet"), "not parquet");
    Cli failed = Cli.run("chunk", "--output", root.toString(), "--run-date", "2026-01-01");
    assertThat(failed.exitCode).isNotZero();
    assertThat(root.resolve("chunks/run_date=2026-01-01")).doesNotExist();
  }
}
