package dev.batchlm.retrieve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exact cosine top-k of a set of queries over a stream of vectors: vectors are buffered into
 * blocks, each block is scored against all queries with one ND4J matrix product ({@code Q · Bᵀ} of
 * unit vectors), and each query keeps a bounded {@link TopK}. One instance per Spark partition;
 * results of partitions are merged by taking the top k again. Not thread-safe.
 */
public final class VectorSearch {
  private final String[] queryIds;
  private final INDArray queries; // [q, dim], unit rows
  private final TopK[] tops;
  private final int blockSize;
  private final List<String> blockIds = new ArrayList<>();
  private final List<float[]> blockVectors = new ArrayList<>();

  public VectorSearch(String[] queryIds, float[][] queryVectors, int k, int blockSize) {
    this.queryIds = queryIds.clone();
    this.queries = unitRows(queryVectors);
    this.tops = new TopK[queryIds.length];
    for (int i = 0; i < tops.length; i++) {
      tops[i] = new TopK(k);
    }
    this.blockSize = blockSize;
  }

  public void add(String id, float[] vector) {
    blockIds.add(id);
    blockVectors.add(vector);
    if (blockIds.size() == blockSize) {
      flush();
    }
  }

  /** Each query's hits, best first (equal scores: smaller id first). */
  public Map<String, List<TopK.Hit>> results() {
    flush();
    Map<String, List<TopK.Hit>> out = new LinkedHashMap<>();
    for (int q = 0; q < queryIds.length; q++) {
      out.put(queryIds[q], tops[q].sorted());
    }
    return out;
  }

  private void flush() {
    if (blockIds.isEmpty() || queryIds.length == 0) {
      return;
    }
    INDArray block = unitRows(blockVectors.toArray(float[][]::new));
    float[][] scores = queries.mmul(block.transpose()).toFloatMatrix();
    for (int q = 0; q < scores.length; q++) {
      for (int j = 0; j < scores[q].length; j++) {
        tops[q].offer(blockIds.get(j), scores[q][j]);
      }
    }
    blockIds.clear();
    blockVectors.clear();
  }

  private static INDArray unitRows(float[][] rows) {
    float[][] unit = new float[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      double norm = 0;
      for (float f : rows[i]) {
        norm += (double) f * f;
      }
      float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
      unit[i] = new float[rows[i].length];
      for (int j = 0; j < unit[i].length; j++) {
        unit[i][j] = rows[i][j] * inv;
      }
    }
    return Nd4j.createFromArray(unit);
  }
}
