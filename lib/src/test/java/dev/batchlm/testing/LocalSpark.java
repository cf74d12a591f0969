package dev.batchlm.testing;

import java.util.TimeZone;
import org.apache.spark.sql.SparkSession;

/**
 * The one local SparkSession of a test JVM: two threads, loopback only, no UI, few shuffle
 * partitions, UTC. Jobs under test call {@code getOrCreate()} and so share it.
 */
public final class LocalSpark {
  private LocalSpark() {}

  public static synchronized SparkSession session() {
    return builder("local[2]").getOrCreate();
  }

  /** The test settings on any master (e.g. {@code local-cluster[2,1,1024]}). */
  public static SparkSession.Builder builder(String master) {
    TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
    return SparkSession.builder()
        .master(master)
        .appName("batchlm-tests")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC");
  }
}
