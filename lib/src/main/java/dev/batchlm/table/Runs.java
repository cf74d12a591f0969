package dev.batchlm.table;

import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The {@code runs} table: one row per job run, written as the run starts ({@code running}) and
 * replaced as it ends, so a run that never ended stays visible. Partitioned by run date and run id
 * (the {@code run_id} column comes from the folder).
 */
public final class Runs {
  public static final String RUN_ID = "run_id";
  public static final String JOB = "job";
  public static final String STATUS = "status";
  public static final String ERROR = "error";
  public static final String STARTED_AT = "started_at";
  public static final String FINISHED_AT = "finished_at";
  public static final String DURATION_MS = "duration_ms";
  public static final String STAGES_MS = "stages_ms";
  public static final String ROWS_IN = "rows_in";
  public static final String ROWS_OUT = "rows_out";
  public static final String QUARANTINED = "quarantined";
  public static final String COUNTERS = "counters";
  public static final String GIT_COMMIT = "git_commit";
  public static final String VERSION = "version";
  public static final String CONFIG_HASH = "config_hash";
  public static final String VERSIONS = "versions";

  /** Started, not ended: running now, or killed before it could say (a later run marks it). */
  public static final String RUNNING = "running";

  /** Committed its outputs with all its work done. */
  public static final String SUCCEEDED = "succeeded";

  /** Committed its outputs, leaving work a rerun would do (failed calls). */
  public static final String INCOMPLETE = "incomplete";

  /** Found the date's earlier run up to date and ran nothing. */
  public static final String KEPT = "kept";

  /** Ended without committing and without an error: a dry run. */
  public static final String NO_OUTPUT = "no_output";

  /** Stopped by an error, named in {@code error}. */
  public static final String FAILED = "failed";

  /** Never ended: found still {@code running} by a later run of the same job and date. */
  public static final String KILLED = "killed";

  public static final StructType SCHEMA =
      new StructType()
          .add(JOB, DataTypes.StringType, false)
          .add(STATUS, DataTypes.StringType, false)
          .add(ERROR, DataTypes.StringType, true)
          .add(STARTED_AT, DataTypes.TimestampType, false)
          .add(FINISHED_AT, DataTypes.TimestampType, true)
          .add(DURATION_MS, DataTypes.LongType, true)
          .add(
              STAGES_MS,
              DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType, false),
              false)
          .add(ROWS_IN, DataTypes.LongType, true)
          .add(
              ROWS_OUT,
              DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType, false),
              false)
          .add(QUARANTINED, DataTypes.LongType, false)
          .add(COUNTERS, DataTypes.StringType, false)
          .add(GIT_COMMIT, DataTypes.StringType, true)
          .add(VERSION, DataTypes.StringType, true)
          .add(CONFIG_HASH, DataTypes.StringType, false)
          .add(
              VERSIONS,
              DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, false),
              false);

  public static final TableSpec SPEC =
      new TableSpec("runs", SCHEMA, List.of(Tables.RUN_DATE, RUN_ID));

  private Runs() {}
}
