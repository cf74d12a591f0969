package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummariesTest {
  @Test
  void pairsOnlyTheExamplesBothRunsScored() {
    Map<String, Double> now = Map.of("a", 1.0, "b", 0.5, "c", 0.0);
    Map<String, Double> before = Map.of("a", 0.5, "b", 0.5, "z", 1.0);
    Summaries.Summary s = Summaries.summarize("answer", "m", "f1", "all", now, 4, before, 200, 1);
    assertThat(s.n()).isEqualTo(3);
    assertThat(s.expected()).isEqualTo(4);
    assertThat(s.mean()).isCloseTo(0.5, within(1e-12));
    assertThat(s.paired()).isEqualTo(2); // a and b
    assertThat(s.baselineMean()).isCloseTo(0.5, within(1e-12));
    assertThat(s.delta()).isCloseTo(0.25, within(1e-12)); // (0.5 + 0) / 2
    Summaries.Summary alone = Summaries.summarize("answer", "m", "f1", "all", now, 3, null, 200, 1);
    assertThat(alone.paired()).isZero();
    assertThat(alone.delta()).isNaN();
    Summaries.Summary disjoint =
        Summaries.summarize("answer", "m", "f1", "all", now, 3, Map.of("z", 1.0), 200, 1);
    assertThat(disjoint.paired()).isZero();
    assertThat(disjoint.delta()).isNaN();
  }

  @Test
  void everyExampleIsInAllAndInEachOfItsTags() {
    Map<String, Map<String, Double>> slices =
        Summaries.bySlice(
            Map.of("a", 1.0, "b", 0.0), Map.of("a", List.of("easy", "hr"), "b", List.of("hr")));
    assertThat(slices.get("all")).hasSize(2);
    assertThat(slices.get("hr")).hasSize(2);
    assertThat(slices.get("easy")).containsOnlyKeys("a");
  }
}
