package dev.batchlm.table;

import dev.batchlm.config.ConfigException;
import java.io.IOException;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Where tables live: {@code ROOT/<table>/run_date=YYYY-MM-DD/...}, on any Hadoop file system. */
public final class Tables {
  public static final String RUN_DATE = "run_date";
  private static final String PREFIX = RUN_DATE + "=";

  private Tables() {}

  public static Path table(String root, TableSpec spec) {
    return new Path(root, spec.name());
  }

  public static Path partition(Path table, LocalDate runDate) {
    return new Path(table, PREFIX + runDate);
  }

  /** The newest {@code run_date=} partition of a table strictly before {@code runDate}, if any. */
  public static Optional<LocalDate> latestBefore(
      Path table, LocalDate runDate, Configuration conf) {
    try {
      FileSystem fs = table.getFileSystem(conf);
      if (!fs.exists(table)) {
        return Optional.empty();
      }
      LocalDate best = null;
      for (FileStatus st : fs.listStatus(table)) {
        String name = st.getPath().getName();
        if (st.isDirectory() && name.startsWith(PREFIX)) {
          LocalDate d = LocalDate.parse(name.substring(PREFIX.length()));
          if (d.isBefore(runDate) && (best == null || d.isAfter(best))) {
            best = d;
          }
        }
      }
      return Optional.ofNullable(best);
    } catch (IOException e) {
      throw new ConfigException("Cannot list " + table + ": " + e.getMessage(), e);
    }
  }
}
