package dev.batchlm.retrieve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetrievalMathTest {
  @Test
  void topKEqualsSortingEverythingWithTiesBrokenById() {
    Random rnd = new Random(3);
    for (int trial = 0; trial < 200; trial++) {
      int n = 1 + rnd.nextInt(300);
      int k = 1 + rnd.nextInt(20);
      List<TopK.Hit> all = new ArrayList<>();
      TopK top = new TopK(k);
      for (int i = 0; i < n; i++) {
        double score = rnd.nextInt(10) / 10.0; // many ties
        String id = "c" + rnd.nextInt(1000) + "-" + i;
        all.add(new TopK.Hit(id, score));
        top.offer(id, score);
      }
      all.sort(Comparator.comparingDouble(TopK.Hit::score).reversed().thenComparing(TopK.Hit::id));
      assertThat(top.sorted()).isEqualTo(all.subList(0, Math.min(k, n)));
    }
  }

  @Test
  void rrfSumsReciprocalRanks() {
    // a: 1/(60+1) + 1/(60+2); b: 1/(60+2) + 1/(60+1); c: 1/(60+3); ties a/b broken by id
    List<TopK.Hit> fused =
        ReciprocalRankFusion.fuse(List.of(List.of("a", "b", "c"), List.of("b", "a")), 60, 10);
    assertThat(fused.stream().map(TopK.Hit::id)).containsExactly("a", "b", "c");
    assertThat(fused.get(0).score()).isCloseTo(1.0 / 61 + 1.0 / 62, within(1e-15));
    assertThat(fused.get(2).score()).isCloseTo(1.0 / 63, within(1e-15));
  }

  @Test
  void tokenizationLowercasesAndSplitsOnNonAlphanumerics() {
    assertThat(Bm25.terms("TideWatch TW-4: ±4 mm, Größe 日本語 über-all"))
        .containsExactly("tidewatch", "tw", "4", "4", "mm", "größe", "日本語", "über", "all");
  }
}
