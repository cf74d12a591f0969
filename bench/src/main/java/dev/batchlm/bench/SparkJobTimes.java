package dev.batchlm.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Every Spark job a bench runs, with its duration, the batchlm stage it ran in (the job
 * description) and its Spark stages' call sites: where a job's time goes, job by job.
 */
final class SparkJobTimes extends SparkListener {
  record Job(int id, long millis, String stage, String callSites) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "job %d %,d ms [%s] %s", id, millis, stage, callSites);
    }
  }

  private final Map<Integer, SparkListenerJobStart> started = new ConcurrentHashMap<>();
  private final List<Job> ended = Collections.synchronizedList(new ArrayList<>());

  static SparkJobTimes listen(SparkSession spark) {
    SparkJobTimes times = new SparkJobTimes();
    spark.sparkContext().addSparkListener(times);
    return times;
  }

  @Override
  public void onJobStart(SparkListenerJobStart start) {
    started.put(start.jobId(), start);
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd end) {
    SparkListenerJobStart start = started.remove(end.jobId());
    if (start == null) {
      return;
    }
    List<String> sites =
        CollectionConverters.asJava(start.stageInfos()).stream()
            .map(s -> s.name().replace("$anonfun$withThreadLocalCaptured$2 at ", ""))
            .distinct()
            .toList();
    ended.add(
        new Job(
            end.jobId(),
            end.time() - start.time(),
            start.properties().getProperty("spark.job.description", ""),
            String.join("; ", sites)));
  }

  /** The jobs of at least {@code minMillis}, in the order they started. */
  List<Job> inOrder(long minMillis) {
    synchronized (ended) {
      return ended.stream()
          .filter(j -> j.millis() >= minMillis)
          .sorted(Comparator.comparingInt(Job::id))
          .toList();
    }
  }

  List<Job> longest(int n) {
    synchronized (ended) {
      return ended.stream()
          .sorted(Comparator.comparingLong(Job::millis).reversed())
          .limit(n)
          .toList();
    }
  }
}
