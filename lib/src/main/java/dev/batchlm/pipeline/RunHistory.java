package dev.batchlm.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.doc.ContentHash;
import dev.batchlm.table.RunCommit;
import dev.batchlm.table.RunManifest;
import dev.batchlm.table.Runs;
import dev.batchlm.table.SmallParquet;
import dev.batchlm.table.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@code runs} table: a run's row is written as {@code running} when it starts and
 * replaced when it ends ({@link Runs} names the statuses). A driver that is killed cannot write its
 * end; the next run of the same job and date finds the row still running and marks it killed.
 * Writing history never fails a job: a row that cannot be written is logged and skipped.
 */
public final class RunHistory {
  private static final Logger LOG = LoggerFactory.getLogger(RunHistory.class);
  private static final int MAX_ERROR_CHARS = 2000;

  /** A run's row: one file per partition, replaced in place as the run ends. */
  static final String FILE = "part-00000.zstd.parquet";

  /** Runs of this JVM that started and have not ended, for {@link #endOpen}. */
  private static final Set<JobRun> OPEN = ConcurrentHashMap.newKeySet();

  private RunHistory() {}

  /** Marks this job and date's runs that never ended as killed, then writes {@code run} running. */
  static void started(JobRun run) {
    OPEN.add(run);
    try {
      for (String runId : neverEnded(run)) {
        LOG.warn("[{}] run {} of {} never ended: marked killed", run.job, runId, run.runDate);
        write(run, runId, killedRow(run, runId));
        OPEN.removeIf(open -> open.runId.equals(runId)); // its end is written now
      }
      write(run, run.runId, row(run, Runs.RUNNING, null, null));
    } catch (RuntimeException e) {
      LOG.warn("[{}] runs table not updated: {}", run.job, e.getMessage());
    }
  }

  /** Replaces {@code run}'s row with its end ({@link JobRun#commit}, {@link JobRun#kept}). */
  static void ended(JobRun run, String status, String error) {
    if (!OPEN.remove(run)) {
      return;
    }
    try {
      write(run, run.runId, row(run, status, error, Instant.now()));
    } catch (RuntimeException e) {
      LOG.warn("[{}] runs table not updated: {}", run.job, e.getMessage());
    }
  }

  /**
   * Ends the runs of this JVM that neither committed nor were kept: failed with {@code error}'s
   * message, or {@code no_output} when the job returned without one (a dry run). The entry point
   * calls this when a job returns or throws.
   */
  public static void endOpen(Throwable error) {
    for (JobRun run : List.copyOf(OPEN)) {
      ended(run, error == null ? Runs.NO_OUTPUT : Runs.FAILED, error == null ? null : why(error));
    }
  }

  /** The first line of each cause, outermost first, at most 2,000 characters. */
  static String why(Throwable error) {
    StringBuilder sb = new StringBuilder();
    for (Throwable t = error; t != null && sb.length() < MAX_ERROR_CHARS; t = t.getCause()) {
      String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      String line = message.lines().findFirst().orElse("");
      if (sb.indexOf(line) < 0) {
        sb.append(sb.length() == 0 ? "" : " <- ").append(line);
      }
    }
    return sb.length() > MAX_ERROR_CHARS ? sb.substring(0, MAX_ERROR_CHARS) : sb.toString();
  }

  /** The row of {@code run} as it stands: its status, and its end once {@code finished}. */
  static Row row(JobRun run, String status, String error, Instant finished) {
    Map<String, Long> rowsOut = run.output.rowCounts();
    Map<String, String> build = RunManifest.build();
    return RowFactory.create(
        run.job,
        status,
        error,
        Timestamp.from(run.started),
        finished == null ? null : Timestamp.from(finished),
        finished == null ? null : Duration.between(run.started, finished).toMillis(),
        run.stages.millis(),
        run.rowsIn,
        rowsOut,
        rowsOut.getOrDefault("quarantine", 0L),
        RunCommit.toJson(run.counters),
        build.get("git_commit"),
        build.get("batchlm"),
        configHash(run.config.masked()),
        build);
  }

  /**
   * 16 hex digits of SHA-256 of the masked config without the run date: equal on nights run with
   * the same settings.
   */
  static String configHash(Map<String, Object> masked) {
    Map<String, Object> settings = new TreeMap<>(masked);
    settings.remove(ConfigKeys.RUN_DATE.name());
    return ContentHash.sha256(RunCommit.toJson(settings)).substring(0, 16);
  }

  private static Row killedRow(JobRun run, String runId) {
    return RowFactory.create(
        run.job,
        Runs.KILLED,
        "no end recorded: the driver stopped before the run ended (killed, or its machine lost);"
            + " found by run "
            + run.runId,
        Timestamp.from(startedAt(runId)),
        null,
        null,
        Map.of(),
        null,
        Map.of(),
        0L,
        "{}",
        null,
        null,
        "",
        Map.of());
  }

  /** When a run started, from its id ({@code 20261127T090112Z-job-xxxxxxxx}). */
  static Instant startedAt(String runId) {
    String t = runId.substring(0, runId.indexOf('Z') + 1);
    return Instant.parse(
        t.substring(0, 4)
            + "-"
            + t.substring(4, 6)
            + "-"
            + t.substring(6, 11)
            + ":"
            + t.substring(11, 13)
            + ":"
            + t.substring(13));
  }

  /** Run ids of this job and date whose row still says running, this run's aside. */
  private static List<String> neverEnded(JobRun run) {
    Path date = Tables.partition(Tables.table(run.root, Runs.SPEC), run.runDate);
    try {
      FileSystem fs = date.getFileSystem(run.spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(date)) {
        return List.of();
      }
      List<String> out = new java.util.ArrayList<>();
      for (FileStatus st : fs.listStatus(date)) {
        Path manifest = new Path(st.getPath(), RunManifest.FILE);
        if (!st.isDirectory() || !fs.exists(manifest)) {
          continue;
        }
        try (InputStream in = fs.open(manifest)) {
          JsonNode m = RunManifest.JSON.readTree(in);
          if (run.job.equals(m.path("job").asText())
              && Runs.RUNNING.equals(m.path("status").asText())
              && !run.runId.equals(m.path("run_id").asText())) {
            out.add(m.path("run_id").asText());
          }
        }
      }
      return out;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot list " + date + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes one row as the {@code runs} partition of {@code runId}, replacing what was there, then
   * the partition's {@code _run.json} (what the next run reads to find runs that never ended).
   */
  private static void write(JobRun run, String runId, Row row) {
    Path partition =
        new Path(
            Tables.partition(Tables.table(run.root, Runs.SPEC), run.runDate),
            Runs.RUN_ID + "=" + runId);
    Map<String, Object> manifest = new LinkedHashMap<>();
    manifest.put("job", row.getString(0));
    manifest.put("run_id", runId);
    manifest.put("status", row.getString(1));
    Configuration conf = run.spark.sparkContext().hadoopConfiguration();
    try {
      SmallParquet.write(new Path(partition, FILE), Runs.SCHEMA, List.of(row), conf);
      FileSystem fs = partition.getFileSystem(conf);
      if (fs instanceof LocalFileSystem local) {
        fs = local.getRaw(); // no checksum file, no forked chmod
      }
      try (OutputStream out = fs.create(new Path(partition, RunManifest.FILE), true)) {
        out.write(RunCommit.toJson(manifest).getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + partition + ": " + e.getMessage(), e);
    }
  }
}
