package dev.batchlm.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The process's resident memory sampled as work proceeds, for the benches that show it flat: the
 * kernel's count ({@code VmRSS}, ND4J's off-heap buffers included), the Java heap committed and in
 * use. Run with {@code -Xms} equal to {@code -Xmx} and {@code -XX:+AlwaysPreTouch}: the heap is
 * then resident from the start, and what RSS gains after the warm-up is off-heap.
 */
final class ResidentMemory {
  private final List<String> samples = new ArrayList<>();
  private final List<Long> rssMb = new ArrayList<>();

  /** Records one sample, labelled by how much work was done. */
  void sample(String done) throws Exception {
    long rss = rssKb() >> 10;
    Runtime rt = Runtime.getRuntime();
    rssMb.add(rss);
    samples.add(
        String.format(
            Locale.ROOT,
            "%s: RSS %d MB, heap %d MB committed, %d MB in use",
            done,
            rss,
            rt.totalMemory() >> 20,
            (rt.totalMemory() - rt.freeMemory()) >> 20));
    System.out.println("  " + samples.get(samples.size() - 1));
  }

  /** From the second sample (after warm-up) to the last: growth and range of RSS, in MB. */
  String summary() {
    List<Long> steady = rssMb.subList(1, rssMb.size());
    long min = steady.stream().mapToLong(Long::longValue).min().orElse(0);
    long max = steady.stream().mapToLong(Long::longValue).max().orElse(0);
    return String.format(
        Locale.ROOT,
        "RSS after warm-up %d MB, at the end %d MB (%+d MB), range %d–%d MB",
        steady.get(0),
        steady.get(steady.size() - 1),
        steady.get(steady.size() - 1) - steady.get(0),
        min,
        max);
  }

  static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return -1;
  }
}
