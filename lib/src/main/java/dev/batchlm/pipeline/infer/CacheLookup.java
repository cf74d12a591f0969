package dev.batchlm.pipeline.infer;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;

import dev.batchlm.config.ConfigException;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.table.LlmCache;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.functions;

/**
 * Each request's answer in {@code llm_cache}, if any: the newest entry of the first route, in chain
 * order, whose key is cached. The cache is reduced to one entry per key and joined once on the
 * requests' first keys; only requests that missed and have further routes look up those.
 */
final class CacheLookup {
  private CacheLookup() {}

  /** A request and its cached answer ({@code entry} null: a miss). */
  record Looked(Request request, CacheEntry entry) implements Serializable {}

  static final RecordRows<Looked> ROWS = RecordRows.of(Looked.class);
  static final String REQUEST = "request";
  static final String ENTRY = "entry";

  private static final String KEY = "_key";

  /** {@link Request} rows to {@link Looked} rows. */
  static Dataset<Row> lookup(
      SparkSession spark, Dataset<Row> requests, Path cache, InferSettings s) {
    return lookupEach(spark, requests.select(struct(Request.ROWS.columns()).as(REQUEST)), cache, s);
  }

  /**
   * Rows with a {@code request} struct (null in rows that are not a request) and any other columns,
   * which are kept, with the request's {@code entry} added.
   */
  static Dataset<Row> lookupEach(
      SparkSession spark, Dataset<Row> rows, Path cache, InferSettings s) {
    if (!s.readsCache() || !exists(spark, cache)) {
      return rows.withColumn(ENTRY, lit(null).cast(CacheEntry.ROWS.schema()));
    }
    Dataset<Row> newest =
        newestPerKey(spark.read().schema(LlmCache.SCHEMA).parquet(cache.toString()));
    Dataset<Row> byFirstKey =
        rows.join(
                newest,
                rows.col(REQUEST + "." + Request.PRIMARY_KEY).equalTo(newest.col(KEY)),
                "left")
            .drop(KEY);
    if (!s.hasFallbacks()) { // no request has a further key: the join is done once
      return byFirstKey;
    }
    Column fallback =
        col(ENTRY)
            .isNull()
            .and(
                functions.coalesce(functions.size(col(REQUEST + ".candidate_keys")), lit(0)).gt(1));
    return byFirstKey
        .filter(functions.not(fallback))
        .unionByName(byFurtherKeys(byFirstKey.filter(fallback), newest));
  }

  /**
   * One entry per key: the newest ({@code infer.cache=refresh} adds newer copies), ties broken by
   * the entry's columns so that every run picks the same. A window rather than an aggregate: the
   * window's shuffle and sort by key are the ones the join that follows needs, so the cache is
   * shuffled once.
   */
  static Dataset<Row> newestPerKey(Dataset<Row> cache) {
    List<Column> order = new ArrayList<>();
    order.add(col(LlmCache.CREATED_AT).desc());
    for (Column c : CacheEntry.ROWS.columns()) {
      order.add(c.asc());
    }
    WindowSpec byKey =
        Window.partitionBy(col(LlmCache.CACHE_KEY)).orderBy(order.toArray(Column[]::new));
    return cache
        .withColumn("_rank", functions.row_number().over(byKey))
        .filter(col("_rank").equalTo(1))
        .select(col(LlmCache.CACHE_KEY).as(KEY), struct(CacheEntry.ROWS.columns()).as(ENTRY));
  }

  /** Misses whose first route is not cached: the first of their further keys that is. */
  private static Dataset<Row> byFurtherKeys(Dataset<Row> missed, Dataset<Row> newest) {
    Dataset<Row> further =
        missed
            .select(
                col(REQUEST + ".id").as("_id"),
                functions
                    .posexplode(col(REQUEST + ".candidate_keys"))
                    .as(new String[] {"pos", KEY}))
            .filter(col("pos").gt(0));
    Dataset<Row> best =
        further
            .join(newest, KEY)
            .groupBy("_id")
            .agg(min(struct(col("pos"), col(ENTRY))).as("best"));
    return missed
        .drop(ENTRY)
        .join(best, missed.col(REQUEST + ".id").equalTo(best.col("_id")), "left")
        .withColumn(ENTRY, col("best." + ENTRY))
        .drop("_id", "best");
  }

  private static boolean exists(SparkSession spark, Path cache) {
    try {
      return cache.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(cache);
    } catch (IOException e) {
      throw new ConfigException("Cannot access " + cache + ": " + e.getMessage(), e);
    }
  }
}
