package dev.batchlm.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ExecutorCacheTest {
  @Test
  void buildsEachValueOnceEvenWhenSuppliersNestAndThreadsRace() throws Exception {
    AtomicInteger outerBuilds = new AtomicInteger();
    AtomicInteger innerBuilds = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int t = 0; t < 64; t++) {
        results.add(
            pool.submit(
                () ->
                    ExecutorCache.get(
                        "test-outer",
                        () -> {
                          outerBuilds.incrementAndGet();
                          // A nested get, as a chunker gets its tokenizer: many keys, so that some
                          // share a hash bin with the outer key.
                          String inner = "";
                          for (int k = 0; k < 200; k++) {
                            final int key = k;
                            inner =
                                ExecutorCache.get(
                                    "test-inner-" + key,
                                    () -> {
                                      innerBuilds.incrementAndGet();
                                      return "inner" + key;
                                    });
                          }
                          return "outer+" + inner;
                        })));
      }
      for (Future<String> f : results) {
        assertThat(f.get()).isEqualTo("outer+inner199");
      }
    } finally {
      pool.shutdown();
    }
    assertThat(outerBuilds).hasValue(1);
    assertThat(innerBuilds).hasValue(200);
  }
}
