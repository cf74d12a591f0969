package dev.batchlm.pipeline.loratrain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.testing.LocalSpark;
import dev.batchlm.train.Gradients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/** The step's sum of shares is the same bits whichever order the tasks finish in. */
class SharesTest {
  @Test
  void sharesAreAddedInTaskOrderOnTheDriverOrInGroups() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(LocalSpark.session().sparkContext());
    for (int tasks : new int[] {3, Shares.DIRECT + 4}) {
      List<Tuple2<Integer, Gradients>> shares = new ArrayList<>();
      for (int t = 0; t < tasks; t++) {
        // 1e8 then 3s: added one by one after 1e8, each 3 is lost to rounding (floats are 8
        // apart there); added first, or in groups, they count: any other order gives other bits
        float v = t == 0 ? 1e8f : 3f;
        shares.add(new Tuple2<>(t, new Gradients(Map.of("a", new float[] {v, -v}), t, 1, 0)));
      }
      Gradients expected = Gradients.NONE;
      if (tasks <= Shares.DIRECT) { // one after the other
        for (Tuple2<Integer, Gradients> s : shares) {
          expected = expected.plus(s._2());
        }
      } else { // groups of ⌈√n⌉ consecutive tasks, then the groups
        int fanIn = (int) Math.ceil(Math.sqrt(tasks));
        for (int g = 0; g < tasks; g += fanIn) {
          Gradients group = Gradients.NONE;
          for (int t = g; t < Math.min(tasks, g + fanIn); t++) {
            group = group.plus(shares.get(t)._2());
          }
          expected = expected.plus(group);
        }
      }
      List<Tuple2<Integer, Gradients>> reversed = new ArrayList<>(shares);
      java.util.Collections.reverse(reversed); // the partitions hold the shares in reverse
      Gradients sum = Shares.sumInTaskOrder(sc.parallelizePairs(reversed, tasks), tasks);
      assertThat(sum.byName().get("a")).containsExactly(expected.byName().get("a"));
      assertThat(sum.tokens()).isEqualTo(tasks);
    }
  }
}
