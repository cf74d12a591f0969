package dev.batchlm.pipeline.retrieve;

import dev.batchlm.spark.RecordRows;
import java.io.Serializable;

/** A chunk scored for a query by one method; ranked per query before it becomes a retrieval. */
record Hit(String queryId, String chunkId, double score) implements Serializable {
  static final RecordRows<Hit> ROWS = RecordRows.of(Hit.class);

  /** A hit with its place in the query's list (1 = best), as reciprocal rank fusion orders it. */
  record Ranked(String queryId, String chunkId, double score, int rank) implements Serializable {
    static final RecordRows<Ranked> ROWS = RecordRows.of(Ranked.class);
  }
}
