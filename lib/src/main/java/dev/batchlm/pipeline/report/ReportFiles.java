package dev.batchlm.pipeline.report;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/** HTML reports written to any Hadoop file system. */
public final class ReportFiles {
  private ReportFiles() {}

  /** Writes {@code html} to {@code path}, replacing it. */
  public static void write(Path path, String html, Configuration hadoop) {
    try {
      FileSystem fs = path.getFileSystem(hadoop);
      if (fs instanceof LocalFileSystem local) {
        fs = local.getRaw(); // no .crc file beside a report people open by hand
      }
      try (OutputStream out = fs.create(path, true)) {
        out.write(html.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the report " + path + ": " + e.getMessage(), e);
    }
  }
}
