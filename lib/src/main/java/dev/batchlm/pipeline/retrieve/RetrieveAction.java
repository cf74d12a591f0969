package dev.batchlm.pipeline.retrieve;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.embed.Embedder;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.pipeline.embed.EmbedAction;
import dev.batchlm.retrieve.Bm25;
import dev.batchlm.retrieve.ReciprocalRankFusion;
import dev.batchlm.retrieve.Reranker;
import dev.batchlm.retrieve.TopK;
import dev.batchlm.retrieve.VectorSearch;
import dev.batchlm.spark.ExecutorCache;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.LocalCopies;
import dev.batchlm.table.Chunks;
import dev.batchlm.table.Embeddings;
import dev.batchlm.table.Retrievals;
import dev.batchlm.table.Tables;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;

/**
 * Retrieve: the top-k chunks of the run date for each query, by exact vector search (cosine over
 * the {@code embeddings} of the embed model, blocks of chunk vectors per partition against the
 * broadcast query vectors), by BM25 over chunk text (document frequencies and lengths computed by
 * Spark), and by reciprocal rank fusion of the two ({@code hybrid}). Queries are read and embedded
 * on the driver, so a queries table must fit there (millions of short queries do).
 */
public final class RetrieveAction {
  private RetrieveAction() {}

  private static final List<String> METHODS =
      List.of("vector", "bm25", "hybrid", "rerank", "multi-query", "hyde", "multi-step");

  /** Counts of one retrieve run. */
  public record Result(
      String runId,
      LocalDate runDate,
      long queries,
      Map<String, Long> rowsByMethod,
      List<String> expansions,
      String path,
      boolean kept) {}

  public static List<String> checkMethods(BatchConfig config) {
    List<String> methods = config.get(ConfigKeys.RETRIEVE_METHODS);
    for (String m : methods) {
      if (!METHODS.contains(m)) {
        throw new ConfigException(
            "Invalid retrieve.methods: " + m + " (must be one of " + METHODS + ")");
      }
    }
    List<String> expansions = methods.stream().filter(Expansions.METHODS::contains).toList();
    if (!expansions.isEmpty() && config.get(ConfigKeys.RETRIEVE_EXPAND_MODEL).isEmpty()) {
      throw new ConfigException(
          "retrieve.methods has "
              + expansions
              + ": set retrieve.expand-model to the model alias that writes the extra queries"
              + " (called through the infer.* provider settings)");
    }
    return methods;
  }

  public static Result run(SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "retrieve", config);
    Optional<Result> kept = run.kept(Retrievals.SPEC, Result.class);
    if (kept.isPresent()) {
      return kept.get();
    }
    String queriesPath =
        config.require(
            ConfigKeys.RETRIEVE_QUERIES, "point it at a JSONL or Parquet table of queries");
    Methods m = Methods.of(config);
    run.stages.start("read");
    Map<String, String> queries =
        readQueries(run, queriesPath, config.get(ConfigKeys.RETRIEVE_QUERY_FORMAT));
    run.input(queriesPath);
    Dataset<Row> chunks =
        run.readPartition(Chunks.SPEC, null, "chunk")
            .select(Chunks.CHUNK_ID, Chunks.DOC_ID, Chunks.TEXT);
    run.stages.done(queries.size() + " queries");

    Bm25Index index = m.needBm25Index() ? Bm25Index.of(run, chunks, m.bm25()) : null;
    Map<String, Dataset<Row>> ranked = rank(run, m, queries, index);
    if (m.rerank()) {
      ranked.put("rerank", rerank(run, m, ranked, queries, chunks));
    }
    Dataset<Row> steps = null;
    List<String> expansions = List.of();
    if (!m.expansions().methods().isEmpty()) {
      Expansions.Result e =
          Expansions.run(run, m.expansions(), queries, chunks, q -> rankBy(run, m, q, index));
      ranked.putAll(e.fused());
      steps = e.steps();
      run.counters.put("expansions", e.calls());
      expansions = e.summaries();
    }
    run.stages.start("write");
    var written =
        run.output.stage(
            Retrievals.SPEC, table(run, m, ranked, steps, chunks), run.runDate.toString());
    Map<String, Long> byMethod = new TreeMap<>();
    for (Row r :
        spark
            .read()
            .parquet(written.staging().toString())
            .filter(col(Retrievals.STEP).isNull())
            .groupBy(Retrievals.METHOD)
            .count()
            .collectAsList()) {
      byMethod.put(r.getAs(Retrievals.METHOD), r.getAs("count"));
    }
    run.stages.done(written.rows() + " rows " + byMethod);
    if (index != null) {
      index.close();
    }
    run.rowsIn = (long) queries.size();
    run.counters.put("queries", queries.size());
    run.counters.put("rows_by_method", byMethod);
    return run.commit(
        new Result(
            run.runId,
            run.runDate,
            queries.size(),
            byMethod,
            expansions,
            written.target().toString(),
            false),
        true);
  }

  /** The methods asked for, what they need, and how deep each candidate list goes. */
  private record Methods(
      List<String> names,
      int k,
      Bm25 bm25,
      int rrfK,
      boolean hybrid,
      boolean rerank,
      String reranker,
      int rerankDepth,
      int depth,
      boolean needVector,
      boolean needBm25,
      boolean needBm25Index,
      Expansions.Settings expansions) {
    static Methods of(BatchConfig config) {
      List<String> methods = checkMethods(config);
      int k = config.get(ConfigKeys.RETRIEVE_TOP_K);
      boolean hybrid = methods.contains("hybrid");
      boolean rerank = methods.contains("rerank");
      String reranker = config.get(ConfigKeys.RETRIEVE_RERANKER);
      if (rerank && reranker.isEmpty()) {
        throw new ConfigException(
            "retrieve.methods has rerank: set retrieve.reranker to a cross-encoder folder");
      }
      int rerankDepth = config.get(ConfigKeys.RETRIEVE_RERANK_DEPTH);
      boolean expand = methods.stream().anyMatch(Expansions.METHODS::contains);
      String base = config.get(ConfigKeys.RETRIEVE_EXPAND_BASE);
      int depth =
          Math.max(
              k,
              Math.max(
                  hybrid || expand ? config.get(ConfigKeys.RETRIEVE_FUSION_DEPTH) : 0,
                  rerank ? rerankDepth : 0));
      boolean needVector = methods.contains("vector") || hybrid;
      // rerank re-scores the hybrid list when there is one, else BM25's
      boolean needBm25 = methods.contains("bm25") || hybrid || rerank;
      if ((needVector || (expand && !base.equals("bm25"))) && !EmbedAction.configured(config)) {
        throw new ConfigException(
            "retrieve.methods "
                + methods
                + " needs embed.model: the model the embeddings were made with");
      }
      return new Methods(
          methods,
          k,
          new Bm25(config.get(ConfigKeys.RETRIEVE_BM25_K1), config.get(ConfigKeys.RETRIEVE_BM25_B)),
          config.get(ConfigKeys.RETRIEVE_RRF_K),
          hybrid,
          rerank,
          reranker,
          rerankDepth,
          depth,
          needVector,
          needBm25,
          needBm25 || (expand && !base.equals("vector")),
          Expansions.Settings.of(config, methods, depth));
    }
  }

  /** The first-stage rankings: by cosine, by BM25, and their fusion, each {@code depth} deep. */
  private static Map<String, Dataset<Row>> rank(
      JobRun run, Methods m, Map<String, String> queries, Bm25Index index) {
    Map<String, Dataset<Row>> ranked = new TreeMap<>();
    if (m.needVector()) {
      run.stages.start("vector");
      ranked.put("vector", vector(run, queries, m.depth(), run.hadoopConf()));
      run.stages.done("top " + m.depth() + " by cosine");
    }
    if (m.needBm25()) {
      run.stages.start("bm25");
      ranked.put("bm25", index.rank(run, queries, m.depth()));
      run.stages.done(
          "top " + m.depth() + " by BM25 (k1=" + m.bm25().k1() + ", b=" + m.bm25().b() + ")");
    }
    if (m.hybrid()) {
      run.stages.start("hybrid");
      ranked.put(
          "hybrid", hybrid(run, ranked.get("vector"), ranked.get("bm25"), m.rrfK(), m.depth()));
      run.stages.done("reciprocal rank fusion, k=" + m.rrfK());
    }
    return ranked;
  }

  /** The texts (by key) ranked by the expansions' base method, {@code depth} deep. */
  private static Dataset<Row> rankBy(
      JobRun run, Methods m, Map<String, String> texts, Bm25Index index) {
    String base = m.expansions().base();
    Dataset<Row> vector =
        base.equals("bm25") ? null : vector(run, texts, m.depth(), run.hadoopConf());
    Dataset<Row> bm25 = base.equals("vector") ? null : index.rank(run, texts, m.depth());
    return switch (base) {
      case "vector" -> vector.select(Hit.Ranked.ROWS.columns());
      case "bm25" -> bm25.select(Hit.Ranked.ROWS.columns());
      default -> hybrid(run, vector, bm25, m.rrfK(), m.depth());
    };
  }

  /** The top of the hybrid (else BM25) list re-scored by the cross-encoder, per query. */
  private static Dataset<Row> rerank(
      JobRun run,
      Methods m,
      Map<String, Dataset<Row>> ranked,
      Map<String, String> queries,
      Dataset<Row> chunks) {
    run.stages.start("rerank");
    String source = m.hybrid() ? "hybrid" : "bm25";
    Dataset<Row> candidates =
        ranked
            .get(source)
            .filter(col(Retrievals.RANK).leq(m.rerankDepth()))
            .select("query_id", "chunk_id")
            .join(chunks.select(Chunks.CHUNK_ID, Chunks.TEXT), "chunk_id");
    Broadcast<Map<String, String>> texts =
        JavaSparkContext.fromSparkContext(run.spark.sparkContext()).broadcast(queries);
    Dataset<Row> scored =
        Hit.ROWS.dataset(
            run.spark,
            candidates
                .select("query_id", "chunk_id", Chunks.TEXT)
                .javaRDD()
                .groupBy(r -> r.<String>getAs("query_id"))
                .flatMap(new Rerank(m.reranker(), run.hadoopConf(), texts)));
    run.input(m.reranker());
    run.stages.done("top " + m.rerankDepth() + " " + source + " hits re-scored by " + m.reranker());
    return ranks(scored, m.k());
  }

  /**
   * The top k of each method asked for and of the expansions' steps ({@code steps}, or null), with
   * each chunk's document: the table's rows.
   */
  private static Dataset<Row> table(
      JobRun run,
      Methods m,
      Map<String, Dataset<Row>> ranked,
      Dataset<Row> steps,
      Dataset<Row> chunks) {
    Dataset<Row> all = steps == null ? null : steps.filter(col(Retrievals.RANK).leq(m.k()));
    for (String method : m.names()) {
      Dataset<Row> rows =
          ranked
              .get(method)
              .filter(col(Retrievals.RANK).leq(m.k()))
              .withColumn(Retrievals.METHOD, lit(method))
              .withColumn(Retrievals.STEP, lit(null).cast(DataTypes.IntegerType))
              .withColumn(Retrievals.STEP_QUERY, lit(null).cast(DataTypes.StringType));
      all = all == null ? rows : all.unionByName(rows);
    }
    return all.join(chunks.select(Chunks.CHUNK_ID, Chunks.DOC_ID), Retrievals.CHUNK_ID)
        .withColumn(Retrievals.RUN_ID, lit(run.runId))
        .select(Tables.columns(Retrievals.SCHEMA));
  }

  private static Map<String, String> readQueries(JobRun run, String path, String format) {
    Path p = new Path(path);
    run.requireExists(p, "check retrieve.queries");
    Dataset<Row> in =
        format.equals("parquet") ? run.spark.read().parquet(path) : run.spark.read().json(path);
    String idCol = run.config.get(ConfigKeys.RETRIEVE_QUERY_ID_COLUMN);
    String textCol = run.config.get(ConfigKeys.RETRIEVE_QUERY_TEXT_COLUMN);
    List<String> present = Arrays.asList(in.columns());
    for (String c : List.of(idCol, textCol)) {
      if (!present.contains(c)) {
        throw new ConfigException(
            "Queries table "
                + path
                + " has no column '"
                + c
                + "'; its columns are: "
                + String.join(", ", present));
      }
    }
    Map<String, String> queries = new java.util.LinkedHashMap<>();
    for (Row r :
        in.select(col(idCol).cast("string").as("id"), col(textCol).cast("string").as("text"))
            .collectAsList()) {
      String id = r.getAs("id");
      String text = r.getAs("text");
      if (id == null || text == null) {
        throw new ConfigException(
            "Queries table " + path + " has a row without " + idCol + " or " + textCol + ": " + r);
      }
      if (queries.put(id, text) != null) {
        throw new ConfigException("Queries table " + path + " has the query id '" + id + "' twice");
      }
    }
    return queries;
  }

  /** Keeps each query's best {@code n} rows of (query_id, chunk_id, score) and numbers them. */
  static Dataset<Row> ranks(Dataset<Row> hits, int n) {
    return hits.withColumn(
            Retrievals.RANK,
            row_number()
                .over(
                    Window.partitionBy("query_id")
                        .orderBy(col("score").desc(), col("chunk_id").asc())))
        .filter(col(Retrievals.RANK).leq(n));
  }

  private static Dataset<Row> vector(
      JobRun run, Map<String, String> queries, int depth, HadoopConf conf) {
    EmbedAction.Settings settings =
        EmbedAction.Settings.from(run.config, run.config.get(ConfigKeys.RETRIEVE_QUERY_PREFIX));
    Embedder embedder = settings.load(conf);
    run.input(settings.source());
    String[] ids = queries.keySet().toArray(String[]::new);
    float[][] vectors =
        embedder.embed(new ArrayList<>(queries.values())).stream()
            .map(Embedder.Embedding::vector)
            .toArray(float[][]::new);
    Broadcast<float[][]> queryVectors =
        JavaSparkContext.fromSparkContext(run.spark.sparkContext()).broadcast(vectors);
    Dataset<Row> candidates =
        Hit.ROWS.dataset(
            run.spark,
            run.readPartition(Embeddings.SPEC, null, "embed")
                .filter(col(Embeddings.MODEL_ID).equalTo(embedder.info().modelId()))
                .select(Embeddings.CHUNK_ID, Embeddings.VECTOR)
                .javaRDD()
                .mapPartitions(new ScanVectors(ids, queryVectors, depth)));
    return ranks(candidates, depth);
  }

  /** Executor side: the partition's top hits for every query. */
  static final class ScanVectors implements FlatMapFunction<Iterator<Row>, Hit> {
    private final String[] queryIds;
    private final Broadcast<float[][]> queryVectors;
    private final int depth;

    ScanVectors(String[] queryIds, Broadcast<float[][]> queryVectors, int depth) {
      this.queryIds = queryIds;
      this.queryVectors = queryVectors;
      this.depth = depth;
    }

    @Override
    public Iterator<Hit> call(Iterator<Row> rows) {
      VectorSearch search = new VectorSearch(queryIds, queryVectors.value(), depth, 1024);
      while (rows.hasNext()) {
        Row r = rows.next();
        List<Float> v = r.getList(r.fieldIndex(Embeddings.VECTOR));
        float[] vector = new float[v.size()];
        for (int i = 0; i < vector.length; i++) {
          vector[i] = v.get(i);
        }
        search.add(r.getAs(Embeddings.CHUNK_ID), vector);
      }
      List<Hit> out = new ArrayList<>();
      search
          .results()
          .forEach((q, hits) -> hits.forEach(h -> out.add(new Hit(q, h.id(), h.score()))));
      return out.iterator();
    }
  }

  private static Dataset<Row> hybrid(
      JobRun run, Dataset<Row> vector, Dataset<Row> bm25, int rrfK, int k) {
    return fuse(
        run,
        vector
            .withColumn("list", lit(0))
            .unionByName(bm25.withColumn("list", lit(1)))
            .select("query_id", "list", Retrievals.RANK, "chunk_id"),
        rrfK,
        k);
  }

  /**
   * Each query's ranked lists ({@code query_id, list, rank, chunk_id} rows) fused by reciprocal
   * rank, the best {@code k} kept. {@link Hit.Ranked} rows.
   */
  static Dataset<Row> fuse(JobRun run, Dataset<Row> lists, int rrfK, int k) {
    return Hit.Ranked.ROWS.dataset(
        run.spark,
        lists.javaRDD().groupBy(r -> r.<String>getAs("query_id")).flatMap(new Fuse(rrfK, k)));
  }

  /** Executor side: one query's candidates re-scored by the cross-encoder, loaded once per JVM. */
  record Rerank(String model, HadoopConf conf, Broadcast<Map<String, String>> queries)
      implements FlatMapFunction<scala.Tuple2<String, Iterable<Row>>, Hit>, Serializable {
    @Override
    public Iterator<Hit> call(scala.Tuple2<String, Iterable<Row>> query) {
      Reranker reranker =
          ExecutorCache.get(
              "reranker:" + model, () -> new Reranker(LocalCopies.of(model, conf.get()), 16));
      List<String> ids = new ArrayList<>();
      List<String> passages = new ArrayList<>();
      for (Row r : query._2()) {
        ids.add(r.getAs("chunk_id"));
        passages.add(r.getAs(Chunks.TEXT));
      }
      float[] scores = reranker.scores(queries.value().get(query._1()), passages);
      List<Hit> out = new ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        out.add(new Hit(query._1(), ids.get(i), scores[i]));
      }
      return out.iterator();
    }
  }

  /** Executor side: one query's vector and BM25 lists fused by reciprocal rank. */
  record Fuse(int rrfK, int k)
      implements FlatMapFunction<scala.Tuple2<String, Iterable<Row>>, Hit.Ranked>, Serializable {
    @Override
    public Iterator<Hit.Ranked> call(scala.Tuple2<String, Iterable<Row>> query) {
      Map<Integer, TreeMap<Integer, String>> ordered = new HashMap<>();
      for (Row r : query._2()) {
        ordered
            .computeIfAbsent(r.<Integer>getAs("list"), l -> new TreeMap<>())
            .put(r.<Integer>getAs(Retrievals.RANK), r.<String>getAs("chunk_id"));
      }
      List<List<String>> rankings = new ArrayList<>();
      ordered.values().forEach(m -> rankings.add(new ArrayList<>(m.values())));
      List<TopK.Hit> fused = ReciprocalRankFusion.fuse(rankings, rrfK, k);
      List<Hit.Ranked> out = new ArrayList<>();
      for (int i = 0; i < fused.size(); i++) {
        out.add(new Hit.Ranked(query._1(), fused.get(i).id(), fused.get(i).score(), i + 1));
      }
      return out.iterator();
    }
  }
}
