package dev.batchlm.table;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a job's output partitions so that none is visible half-written. Each partition is first
 * written (Parquet, zstd) under {@code ROOT/<table>/_staging/<run_id>/}, which Spark and the other
 * jobs never read (folders starting with {@code _} are hidden); {@link #commit} then puts a {@code
 * _run.json} manifest into each and renames it into place, replacing that run date's previous
 * partition. On HDFS and local disks a rename is atomic, so readers see the old partition or the
 * new one (for a moment, neither: never a mix). A failed job leaves only its hidden staging folder
 * behind. On S3 a rename is a copy: there the swap is not atomic (docs/operations.md).
 *
 * <p>Not thread-safe: one per job run, on the driver.
 */
public final class RunCommit {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommit.class);
  private static final ObjectMapper JSON = RunManifest.JSON;

  private final SparkSession spark;
  private final String root;
  private final String runId;
  private final List<Staged> staged = new ArrayList<>();

  /** A partition written to staging, not yet visible. */
  public record Staged(
      TableSpec spec, String partitionPath, Path staging, Path target, long rows) {}

  public RunCommit(SparkSession spark, String root, String runId) {
    this.spark = spark;
    this.root = root;
    this.runId = runId;
  }

  /**
   * Writes {@code rows} (which must have exactly the table's schema) to staging.
   *
   * @param partitionValues values of the table's partition columns, in order
   */
  public Staged stage(TableSpec spec, Dataset<Row> rows, String... partitionValues) {
    if (partitionValues.length != spec.partitionColumns().size()) {
      throw new IllegalArgumentException(
          spec.name() + " is partitioned by " + spec.partitionColumns());
    }
    if (!sameColumns(rows.schema(), spec.schema())) {
      throw new IllegalStateException(
          "rows for "
              + spec.name()
              + " do not match its schema:\n"
              + rows.schema().treeString()
              + "expected:\n"
              + spec.schema().treeString());
    }
    StringBuilder part = new StringBuilder();
    for (int i = 0; i < partitionValues.length; i++) {
      part.append(i == 0 ? "" : "/").append(spec.partitionColumns().get(i)).append('=');
      part.append(partitionValues[i]);
    }
    Path table = Tables.table(root, spec);
    Path staging = new Path(new Path(new Path(table, "_staging"), runId), part.toString());
    declared(spec, rows)
        .write()
        .mode("overwrite")
        .option("compression", "zstd")
        .parquet(staging.toString());
    long count = spark.read().schema(spec.schema()).parquet(staging.toString()).count();
    Staged s = new Staged(spec, part.toString(), staging, new Path(table, part.toString()), count);
    staged.add(s);
    return s;
  }

  /**
   * The rows under the table's declared schema, so that the files carry its nullability (joins and
   * unions widen it; {@code Dataset.to} refuses to narrow it). Spark's internal rows are passed on
   * as they are: converting them to {@code Row}s and back cost as much as the write. A null in a
   * required column stops the write with the table and column named.
   */
  static Dataset<Row> declared(TableSpec spec, Dataset<Row> rows) {
    Column[] checked =
        Arrays.stream(spec.schema().fields())
            .map(
                f ->
                    f.nullable()
                        ? col(f.name())
                        : when(
                                col(f.name()).isNull(),
                                raise_error(
                                    lit(
                                        "null in the required column "
                                            + spec.name()
                                            + "."
                                            + f.name())))
                            .otherwise(col(f.name()))
                            .as(f.name()))
            .toArray(Column[]::new);
    var classic = (org.apache.spark.sql.classic.Dataset<Row>) rows.select(checked);
    return classic
        .sparkSession()
        .internalCreateDataFrame(classic.queryExecution().toRdd(), spec.schema(), false);
  }

  /** Same column names, order and types; nullability aside. */
  static boolean sameColumns(StructType actual, StructType expected) {
    if (actual.size() != expected.size()) {
      return false;
    }
    for (int i = 0; i < actual.size(); i++) {
      StructField a = actual.fields()[i];
      StructField e = expected.fields()[i];
      if (!a.name().equals(e.name())
          || !a.dataType().simpleString().equals(e.dataType().simpleString())) {
        return false;
      }
    }
    return true;
  }

  public List<Staged> staged() {
    return List.copyOf(staged);
  }

  /** The staged partitions as {@code <table>/<partition>}, relative to ROOT. */
  public List<String> outputs() {
    return staged.stream().map(s -> s.spec().name() + "/" + s.partitionPath()).toList();
  }

  /**
   * Row counts of the staged partitions, by table name (and partition when a table has several).
   */
  public Map<String, Long> rowCounts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Staged s : staged) {
      counts.merge(s.spec().name(), s.rows(), Long::sum);
    }
    return counts;
  }

  /** Writes the manifest into every staged partition and makes them all visible. */
  public void commit(Map<String, Object> manifest) {
    try {
      byte[] json = JSON.writeValueAsString(manifest).getBytes(StandardCharsets.UTF_8);
      for (Staged s : staged) {
        FileSystem fs = s.staging().getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (OutputStream out = fs.create(new Path(s.staging(), RunManifest.FILE), true)) {
          out.write(json);
        }
      }
      for (Staged s : staged) {
        replace(s);
      }
      LOG.info("Committed run {}: {}", runId, rowCounts());
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("manifest is not serializable: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot commit run " + runId + ": " + e.getMessage(), e);
    }
  }

  private void replace(Staged s) throws IOException {
    FileSystem fs = s.target().getFileSystem(spark.sparkContext().hadoopConfiguration());
    Path table = Tables.table(root, s.spec());
    Path trash = new Path(new Path(new Path(table, "_trash"), runId), s.partitionPath());
    fs.mkdirs(s.target().getParent());
    if (fs.exists(s.target())) {
      fs.mkdirs(trash.getParent());
      rename(fs, s.target(), trash);
    }
    rename(fs, s.staging(), s.target());
    for (String hidden : new String[] {"_trash", "_staging"}) {
      Path dir = new Path(table, hidden);
      fs.delete(new Path(dir, runId), true);
      if (fs.exists(dir) && fs.listStatus(dir).length == 0) {
        fs.delete(dir, false); // other runs' folders, if any, stay
      }
    }
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("rename " + from + " -> " + to + " failed");
    }
  }

  /** Pretty, key-sorted JSON, as written to {@code _run.json}. */
  public static String toJson(Map<String, Object> value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
