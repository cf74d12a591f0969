package dev.batchlm.table;

import dev.batchlm.config.ConfigException;
import java.io.IOException;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.StructType;

/** Where tables live: {@code ROOT/<table>/run_date=YYYY-MM-DD/...}, on any Hadoop file system. */
public final class Tables {
  public static final String RUN_DATE = "run_date";
  private static final String PREFIX = RUN_DATE + "=";

  private Tables() {}

  /** The schema's columns, in order: to select a table's exact columns out of a wider join. */
  public static Column[] columns(StructType schema) {
    return java.util.Arrays.stream(schema.fieldNames())
        .map(org.apache.spark.sql.functions::col)
        .toArray(Column[]::new);
  }

  public static Path table(String root, TableSpec spec) {
    return new Path(root, spec.name());
  }

  public static Path partition(Path table, LocalDate runDate) {
    return new Path(table, PREFIX + runDate);
  }

  /** The {@code run_date=} partition of that date, if it exists. */
  public static Optional<Path> existing(Path table, LocalDate runDate, Configuration conf) {
    Path p = partition(table, runDate);
    try {
      return p.getFileSystem(conf).exists(p) ? Optional.of(p) : Optional.empty();
    } catch (IOException e) {
      throw new ConfigException("Cannot access " + p + ": " + e.getMessage(), e);
    }
  }

  /**
   * Partitions whose rows a run for {@code runDate} may reuse instead of recomputing: this date's
   * from an earlier run, and the newest earlier date's.
   */
  public static java.util.List<Path> reusable(Path table, LocalDate runDate, Configuration conf) {
    java.util.List<Path> out = new java.util.ArrayList<>();
    existing(table, runDate, conf).ifPresent(out::add);
    latestBefore(table, runDate, conf).ifPresent(d -> out.add(partition(table, d)));
    return out;
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
