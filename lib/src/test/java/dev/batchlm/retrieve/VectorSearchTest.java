package dev.batchlm.retrieve;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorSearchTest {
  /** Brute force in double precision: every cosine, sorted, ties by id. */
  static List<String> bruteForce(float[] q, List<String> ids, List<float[]> vectors, int k) {
    List<TopK.Hit> all = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      double dot = 0;
      double nq = 0;
      double nv = 0;
      for (int j = 0; j < q.length; j++) {
        dot += (double) q[j] * vectors.get(i)[j];
        nq += (double) q[j] * q[j];
        nv += (double) vectors.get(i)[j] * vectors.get(i)[j];
      }
      all.add(new TopK.Hit(ids.get(i), dot / Math.sqrt(nq) / Math.sqrt(nv)));
    }
    all.sort(TopK.BEST_FIRST);
    return all.subList(0, Math.min(k, all.size())).stream().map(TopK.Hit::id).toList();
  }

  @Test
  void topKEqualsBruteForceOnRandomDataAcrossBlocks() {
    Random rnd = new Random(21);
    int dim = 24;
    List<String> ids = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      float[] v = new float[dim];
      for (int j = 0; j < dim; j++) {
        v[j] = (float) rnd.nextGaussian();
      }
      ids.add(String.format("c%04d", i));
      vectors.add(v);
    }
    // Exact duplicates tie in score: the smaller id must win.
    vectors.set(500, vectors.get(7).clone());
    float[][] queries = new float[12][];
    String[] queryIds = new String[12];
    for (int q = 0; q < queries.length; q++) {
      queries[q] = q == 0 ? vectors.get(7).clone() : vectors.get(rnd.nextInt(1000)).clone();
      for (int j = 0; j < dim; j++) {
        queries[q][j] += q == 0 ? 0 : (float) (0.3 * rnd.nextGaussian());
      }
      queryIds[q] = "q" + q;
    }
    VectorSearch search = new VectorSearch(queryIds, queries, 10, 64);
    for (int i = 0; i < ids.size(); i++) {
      search.add(ids.get(i), vectors.get(i));
    }
    Map<String, List<TopK.Hit>> results = search.results();
    for (int q = 0; q < queries.length; q++) {
      assertThat(results.get(queryIds[q]).stream().map(TopK.Hit::id).toList())
          .as("query %d", q)
          .isEqualTo(bruteForce(queries[q], ids, vectors, 10));
    }
    assertThat(results.get("q0").get(0).id()).isEqualTo("c0007");
    assertThat(results.get("q0").get(1).id()).isEqualTo("c0500");
  }
}
