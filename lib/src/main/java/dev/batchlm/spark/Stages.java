package dev.batchlm.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a job: labels its Spark jobs in the UI (job group and description) and logs one line
 * per stage with its counts and duration, which also go into the run manifest. Driver-side, one per
 * run.
 */
public final class Stages {
  private static final Logger LOG = LoggerFactory.getLogger("batchlm");
  private final SparkSession spark;
  private final String job;
  private final Map<String, Long> millis = new LinkedHashMap<>();
  private String current;
  private long startedNanos;

  public Stages(SparkSession spark, String job, String runId) {
    this.spark = spark;
    this.job = job;
    spark.sparkContext().setJobGroup(runId, job + " " + runId, false);
  }

  public void start(String stage) {
    current = stage;
    startedNanos = System.nanoTime();
    spark.sparkContext().setJobDescription(job + ": " + stage);
  }

  /** Ends the current stage and logs {@code [job] stage: detail (1.2 s)}. */
  public void done(String detail) {
    long ms = (System.nanoTime() - startedNanos) / 1_000_000;
    millis.put(current, ms);
    LOG.info("[{}] {}: {} ({} ms)", job, current, detail, ms);
  }

  /** Each stage's milliseconds, in the order they ran. */
  public Map<String, Long> millis() {
    return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(millis));
  }
}
