package dev.batchlm.retrieve;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): an id's fused score is the sum
 * over the lists it appears in of {@code 1 / (k + rank)}, ranks counted from 1; {@code k = 60} in
 * the paper. The fused list is ordered by {@link TopK#BEST_FIRST}.
 */
public final class ReciprocalRankFusion {
  private ReciprocalRankFusion() {}

  /** Each list's ids best first; returns the best {@code limit} fused hits. */
  public static List<TopK.Hit> fuse(List<List<String>> rankings, int k, int limit) {
    Map<String, Double> scores = new HashMap<>();
    for (List<String> ranking : rankings) {
      for (int i = 0; i < ranking.size(); i++) {
        scores.merge(ranking.get(i), 1.0 / (k + i + 1), Double::sum);
      }
    }
    TopK top = new TopK(limit);
    scores.forEach(top::offer);
    return top.sorted();
  }
}
