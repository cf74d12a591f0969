package dev.batchlm.pipeline.infer;

import dev.batchlm.table.LlmCache;
import java.io.IOException;
import java.util.Arrays;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.LoggerFactory;

/**
 * Rewrites the small files a run's tasks added to {@code llm_cache} (one per group of answers) as
 * one file, so that the next run's join reads a few files instead of thousands. The new file is
 * moved in before the small ones are deleted: a crash in between leaves duplicate keys, which
 * readers tolerate, never a missing answer.
 */
final class CacheCompaction {
  private CacheCompaction() {}

  /** The number of small files rewritten; 0 when there were fewer than two or it failed. */
  static int compact(SparkSession spark, Path cache, String runId) {
    try {
      FileSystem fs = cache.getFileSystem(spark.sparkContext().hadoopConfiguration());
      FileStatus[] small = fs.globStatus(new Path(cache, "part-" + runId + "-*"));
      if (small == null || small.length < 2) {
        return 0;
      }
      Path tmp = new Path(cache, "_compact-" + runId);
      spark
          .read()
          .schema(LlmCache.SCHEMA)
          .parquet(Arrays.stream(small).map(st -> st.getPath().toString()).toArray(String[]::new))
          .coalesce(1)
          .write()
          .mode("overwrite")
          .option("compression", "zstd")
          .parquet(tmp.toString());
      int n = 0;
      for (FileStatus f : fs.listStatus(tmp, p -> p.getName().endsWith(".parquet"))) {
        Path target = new Path(cache, "part-" + runId + "-compacted-" + n++ + ".zstd.parquet");
        if (!fs.rename(f.getPath(), target)) {
          throw new IOException("rename " + f.getPath() + " -> " + target + " failed");
        }
      }
      for (FileStatus st : small) {
        fs.delete(st.getPath(), false);
      }
      fs.delete(tmp, true);
      return small.length;
    } catch (IOException e) {
      // the small files stay and still serve: only the next join is slower
      LoggerFactory.getLogger(CacheCompaction.class)
          .warn("Could not compact {}: {}", cache, e.getMessage());
      return 0;
    }
  }
}
