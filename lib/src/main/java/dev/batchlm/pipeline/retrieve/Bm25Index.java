package dev.batchlm.pipeline.retrieve;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import dev.batchlm.pipeline.JobRun;
import dev.batchlm.retrieve.Bm25;
import dev.batchlm.table.Chunks;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * BM25 over the chunks' text: postings (a chunk's distinct terms, their frequencies and its length)
 * with each term's document frequency, computed by Spark once per run and kept until {@link
 * #close}, so that every set of queries (the questions, then each step of the expansion methods) is
 * a join against them instead of another pass over the whole corpus.
 */
final class Bm25Index implements AutoCloseable {
  private final Dataset<Row> postings; // chunk_id, length, term, tf, df
  private final Bm25 bm25;
  private final long docCount;
  private final double avgLength;

  private Bm25Index(Dataset<Row> postings, Bm25 bm25, long docCount, double avgLength) {
    this.postings = postings;
    this.bm25 = bm25;
    this.docCount = docCount;
    this.avgLength = avgLength;
  }

  static Bm25Index of(JobRun run, Dataset<Row> chunks, Bm25 bm25) {
    StructType schema =
        new StructType()
            .add("chunk_id", DataTypes.StringType, false)
            .add("length", DataTypes.IntegerType, false)
            .add("term", DataTypes.StringType, false)
            .add("tf", DataTypes.IntegerType, false);
    Dataset<Row> terms =
        run.spark.createDataFrame(
            chunks.select(Chunks.CHUNK_ID, Chunks.TEXT).javaRDD().flatMap(new Postings()), schema);
    Dataset<Row> df = terms.groupBy("term").count().withColumnRenamed("count", "df");
    Dataset<Row> postings = terms.join(df, "term").persist(StorageLevel.MEMORY_AND_DISK());
    Row stats =
        postings
            .groupBy("chunk_id")
            .agg(first("length").as("length"))
            .agg(count(lit(1)).as("docs"), avg("length").as("avg_length"))
            .first();
    Double avgLength = stats.getAs("avg_length");
    return new Bm25Index(
        postings, bm25, stats.<Long>getAs("docs"), avgLength == null ? 1 : avgLength);
  }

  /** Each query's best {@code depth} chunks by BM25: (query_id, chunk_id, score, rank) rows. */
  Dataset<Row> rank(JobRun run, Map<String, String> queries, int depth) {
    List<Row> queryTerms = new ArrayList<>();
    queries.forEach(
        (id, text) ->
            new LinkedHashSet<>(Bm25.terms(text))
                .forEach(t -> queryTerms.add(RowFactory.create(id, t))));
    Dataset<Row> wanted =
        run.spark.createDataFrame(
            queryTerms, new StructType().add("query_id", "string").add("term", "string"));
    Dataset<Row> scored =
        Hit.ROWS
            .dataset(
                run.spark,
                wanted
                    .join(postings, "term")
                    .select("query_id", "chunk_id", "tf", "length", "df")
                    .javaRDD()
                    .map(new ScoreTerm(bm25, docCount, avgLength)))
            .groupBy("query_id", "chunk_id")
            .agg(sum("score").as("score"));
    return RetrieveAction.ranks(scored, depth);
  }

  @Override
  public void close() {
    postings.unpersist();
  }

  /** Executor side: a chunk's distinct terms with their frequencies and the chunk's length. */
  static final class Postings implements FlatMapFunction<Row, Row> {
    @Override
    public Iterator<Row> call(Row r) {
      List<String> terms = Bm25.terms(r.getAs(Chunks.TEXT));
      Map<String, Integer> tf = new HashMap<>();
      terms.forEach(t -> tf.merge(t, 1, Integer::sum));
      List<Row> out = new ArrayList<>(tf.size());
      String chunkId = r.getAs(Chunks.CHUNK_ID);
      tf.forEach((t, n) -> out.add(RowFactory.create(chunkId, terms.size(), t, n)));
      return out.iterator();
    }
  }

  /** One query term's BM25 contribution to one chunk. */
  record ScoreTerm(Bm25 bm25, long docCount, double avgLength)
      implements org.apache.spark.api.java.function.Function<Row, Hit>, Serializable {
    @Override
    public Hit call(Row r) {
      double idf = Bm25.idf(r.<Long>getAs("df"), docCount);
      int tf = r.getAs("tf");
      int length = r.getAs("length");
      return new Hit(
          r.getAs("query_id"), r.getAs("chunk_id"), bm25.score(idf, tf, length, avgLength));
    }
  }
}
