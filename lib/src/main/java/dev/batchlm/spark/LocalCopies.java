package dev.batchlm.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Native libraries (tokenizers, models) read local files: this copies a file from any Hadoop path
 * to the executor's local temp folder, once per JVM.
 */
public final class LocalCopies {
  private LocalCopies() {}

  public static java.nio.file.Path of(String hadoopPath, Configuration conf) {
    return ExecutorCache.get("local-copy:" + hadoopPath, () -> copy(hadoopPath, conf));
  }

  private static java.nio.file.Path copy(String hadoopPath, Configuration conf) {
    Path src = new Path(hadoopPath);
    try {
      FileSystem fs = src.getFileSystem(conf);
      if ("file".equals(fs.getScheme())) {
        return java.nio.file.Path.of(fs.makeQualified(src).toUri());
      }
      java.nio.file.Path dir = Files.createTempDirectory("batchlm-");
      java.nio.file.Path dst = dir.resolve(src.getName());
      fs.copyToLocalFile(false, src, new Path(dst.toUri()), true);
      dir.toFile().deleteOnExit();
      dst.toFile().deleteOnExit();
      return dst;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot copy " + hadoopPath + " to local disk: " + e.getMessage(), e);
    }
  }
}
