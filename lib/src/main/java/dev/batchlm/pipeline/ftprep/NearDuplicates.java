package dev.batchlm.pipeline.ftprep;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.udf;

import dev.batchlm.finetune.MinHash;
import dev.batchlm.spark.RecordRows;
import java.io.Serializable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

/**
 * Near-duplicate clusters at Spark scale: each text's MinHash signature and band hashes ({@link
 * MinHash}), texts that share a band linked to the band bucket's first member when their exact
 * Jaccard similarity reaches the threshold, and clusters found as the connected components of those
 * links by propagating the least id until nothing changes. Linking each member to the bucket's
 * first (a star) rather than every pair keeps a bucket of k texts at k links; a member like others
 * in its bucket but not like the first is found through another band, or stays alone.
 */
public final class NearDuplicates {
  private NearDuplicates() {}

  /** A text's band hashes (of its MinHash signature). */
  record Signed(String id, long[] bands) implements Serializable {}

  /**
   * A text and the cluster it belongs to: the least id among its near-duplicates (itself if none).
   */
  public record Member(String id, String cluster) implements Serializable {}

  static final RecordRows<Signed> SIGNED = RecordRows.of(Signed.class);
  public static final RecordRows<Member> MEMBERS = RecordRows.of(Member.class);

  /**
   * The rounds of label propagation allowed: a cluster's diameter in links, far above real ones.
   */
  static final int MAX_ROUNDS = 40;

  /**
   * The cluster of every text. {@code texts}: columns {@code id} (unique) and {@code text}. {@link
   * Member} rows.
   */
  public static Dataset<Row> clusters(Dataset<Row> texts, MinHash minHash, double threshold) {
    Dataset<Row> signed =
        texts
            .sparkSession()
            .createDataFrame(
                texts
                    .select("id", "text")
                    .javaRDD()
                    .map(
                        r -> {
                          long[] bands = minHash.bandHashes(minHash.signature(r.getString(1)));
                          return SIGNED.toRow(new Signed(r.getString(0), bands));
                        }),
                SIGNED.schema())
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> links =
        verified(candidates(signed), texts, minHash, threshold)
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> labels =
        links.isEmpty() // a night without near-duplicates needs no propagation
            ? texts.select(col("id"), col("id").as("cluster"))
            : components(signed.select("id"), links);
    links.unpersist();
    signed.unpersist();
    return labels;
  }

  /** Pairs (head, id): a band bucket's first member and each other member. */
  static Dataset<Row> candidates(Dataset<Row> signed) {
    return signed
        .select(col("id"), posexplode(col("bands")).as(new String[] {"band", "hash"}))
        .groupBy("band", "hash")
        .agg(min("id").as("head"), collect_list("id").as("members"))
        .filter(size(col("members")).gt(1))
        .select(col("head"), explode(col("members")).as("id"))
        .filter(col("id").notEqual(col("head")))
        .distinct();
  }

  /**
   * The candidate pairs whose exact Jaccard similarity reaches the threshold: the signatures'
   * estimate (±0.025 at 256 values) would drop a fair share of the pairs just above it.
   */
  static Dataset<Row> verified(
      Dataset<Row> pairs, Dataset<Row> texts, MinHash minHash, double threshold) {
    Dataset<Row> a = texts.select(col("id").as("head"), col("text").as("a"));
    Dataset<Row> b = texts.select(col("id"), col("text").as("b"));
    UDF2<String, String, Boolean> similar =
        (x, y) -> MinHash.jaccard(minHash.shingles(x), minHash.shingles(y)) >= threshold;
    return pairs
        .join(a, "head")
        .join(b, "id")
        .filter(udf(similar, DataTypes.BooleanType).apply(col("a"), col("b")))
        .select("head", "id");
  }

  /**
   * Connected components: every id starts as its own label; each round, both ends of every link
   * take the least label of the two, until no label changes. Each round's labels are checkpointed
   * to memory so that the plan does not grow with the rounds.
   */
  static Dataset<Row> components(Dataset<Row> ids, Dataset<Row> links) {
    Dataset<Row> edges =
        links
            .select(col("head").as("u"), col("id").as("v"))
            .union(links.select(col("id").as("u"), col("head").as("v")))
            .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> labels = ids.select(col("id"), col("id").as("cluster")).localCheckpoint();
    for (int round = 0; round < MAX_ROUNDS; round++) {
      Dataset<Row> offered =
          edges
              .join(labels.select(col("id").as("u"), col("cluster").as("offer")), "u")
              .groupBy(col("v").as("id"))
              .agg(min("offer").as("offer"));
      Dataset<Row> next =
          labels
              .join(offered, "id", "left")
              .select(
                  col("id"),
                  least(col("cluster"), coalesce(col("offer"), col("cluster"))).as("cluster"),
                  coalesce(col("offer").lt(col("cluster")), lit(false)).as("_changed"))
              .localCheckpoint();
      long changed = next.filter(col("_changed")).count();
      labels = next.drop("_changed");
      if (changed == 0) {
        edges.unpersist();
        return labels.select(col("id"), col("cluster"));
      }
    }
    edges.unpersist();
    throw new IllegalStateException(
        "near-duplicate clusters did not settle in " + MAX_ROUNDS + " rounds of propagation");
  }
}
