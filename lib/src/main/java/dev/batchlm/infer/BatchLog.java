package dev.batchlm.infer;

import dev.batchlm.table.LlmBatches;
import dev.batchlm.table.SmallParquet;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.RowFactory;

/**
 * The {@code llm_batches} table on any Hadoop file system, without Spark: each {@link #record} is
 * one small Parquet file, durable when the call returns (named by time, so the newest row of a
 * batch is the last file of its ref), and the batches' input files live under {@code _inputs/}.
 */
public final class BatchLog {
  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  private final Path table;
  private final Configuration conf;

  public BatchLog(Path table, Configuration conf) {
    this.table = table;
    this.conf = conf;
  }

  public void record(BatchRecord r) {
    String name =
        String.format(
            Locale.ROOT,
            "part-%013d-%06d-%s.parquet",
            r.recordedAt().toEpochMilli(),
            SEQUENCE.incrementAndGet() % 1_000_000,
            r.ref());
    try {
      SmallParquet.write(
          new Path(table, name),
          LlmBatches.SCHEMA,
          List.of(
              RowFactory.create(
                  r.ref(),
                  r.route(),
                  r.provider(),
                  r.model(),
                  r.batchId(),
                  r.state(),
                  r.inputFile(),
                  r.inputFileId(),
                  r.requests(),
                  r.bytes(),
                  r.worstCaseUsd(),
                  r.succeeded(),
                  r.failed(),
                  r.costUsd(),
                  r.runId(),
                  Timestamp.from(r.recordedAt()),
                  r.message())),
          conf);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot record batch " + r.ref() + " in " + table, e);
    }
  }

  /** The newest row of every batch ever recorded, oldest batch first. */
  public List<BatchRecord> latest() {
    Map<String, BatchRecord> byRef = new TreeMap<>();
    try {
      FileSystem fs = table.getFileSystem(conf);
      if (!fs.exists(table)) {
        return List.of();
      }
      List<Path> files = new ArrayList<>();
      for (FileStatus f : fs.listStatus(table)) {
        String n = f.getPath().getName();
        if (f.isFile() && n.startsWith("part-") && n.endsWith(".parquet")) {
          files.add(f.getPath());
        }
      }
      files.sort(null); // by time of recording
      Map<String, String> firstFile = new TreeMap<>();
      for (Path file : files) {
        try (ParquetReader<Group> in =
            ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build()) {
          for (Group g = in.read(); g != null; g = in.read()) {
            BatchRecord r = record(g);
            byRef.put(r.ref(), r);
            firstFile.putIfAbsent(r.ref(), file.getName());
          }
        }
      }
      List<BatchRecord> out = new ArrayList<>(byRef.values());
      out.sort(java.util.Comparator.comparing(r -> firstFile.get(r.ref())));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the batch log " + table, e);
    }
  }

  public OutputStream createInput(String name) {
    Path p = input(name);
    try {
      FileSystem fs = p.getFileSystem(conf);
      if (fs instanceof LocalFileSystem local) { // Hadoop's would fork chmod without native code
        java.nio.file.Path file = local.pathToFile(p).toPath();
        Files.createDirectories(file.getParent());
        return Files.newOutputStream(file);
      }
      return fs.create(p, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write batch input " + input(name), e);
    }
  }

  public InputStream openInput(String name) {
    try {
      return input(name).getFileSystem(conf).open(input(name));
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read batch input "
              + input(name)
              + " (its batch stays open in "
              + table
              + "; restore the file or mark the batch collected)",
          e);
    }
  }

  private Path input(String name) {
    return new Path(new Path(table, LlmBatches.INPUTS), name);
  }

  private static BatchRecord record(Group g) {
    return new BatchRecord(
        string(g, "ref"),
        string(g, "route"),
        string(g, "provider"),
        string(g, "model"),
        string(g, "batch_id"),
        string(g, "state"),
        string(g, "input_file"),
        string(g, "input_file_id"),
        g.getLong("requests", 0),
        g.getLong("bytes", 0),
        number(g, "worst_case_usd"),
        g.getLong("succeeded", 0),
        g.getLong("failed", 0),
        number(g, "cost_usd"),
        string(g, "run_id"),
        micros(g.getLong("recorded_at", 0)),
        string(g, "message"));
  }

  private static String string(Group g, String field) {
    return g.getFieldRepetitionCount(field) == 0 ? null : g.getString(field, 0);
  }

  private static Double number(Group g, String field) {
    return g.getFieldRepetitionCount(field) == 0 ? null : g.getDouble(field, 0);
  }

  private static Instant micros(long micros) {
    return Instant.ofEpochSecond(
        Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000);
  }
}
