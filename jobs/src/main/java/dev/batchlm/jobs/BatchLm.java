package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKey;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.pipeline.Preflight;
import dev.batchlm.pipeline.RunHistory;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import scala.Tuple2;

/**
 * The entry point of the shaded jar: {@code batchlm JOB [options]}. Run it through spark-submit (or
 * bin/batchlm, which does so):
 *
 * <pre>spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar ingest --input hdfs:///docs
 * </pre>
 */
@Command(
    name = "batchlm",
    mixinStandardHelpOptions = true,
    versionProvider = BatchLm.Version.class,
    description = "Spark batch jobs for LLM work. `batchlm JOB --help` lists a job's keys.",
    subcommands = {
      IngestJob.class,
      ChunkJob.class,
      EmbedJob.class,
      RetrieveJob.class,
      InferJob.class,
      EvalJob.class,
      FtPrepJob.class,
      LoraTrainJob.class,
      ReportJob.class,
      PipelineJob.class,
      DemoJob.class
    })
public final class BatchLm implements Callable<Integer> {
  /** Exit status for configuration errors (bad key, missing path): nothing ran. */
  static final int CONFIG_ERROR = 2;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new BatchLm());
    cli.setExecutionStrategy(BatchLm::recordingRuns);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof ConfigException) {
            cmd.getErr().println("batchlm: " + e.getMessage());
            return CONFIG_ERROR;
          }
          throw e;
        });
    for (CommandLine sub : cli.getSubcommands().values()) {
      String job = sub.getCommandName();
      sub.getCommandSpec()
          .usageMessage()
          .footer(keysHelp(job.equals("demo") || job.equals("pipeline") ? null : job));
    }
    return cli;
  }

  /** Runs the job, then ends in the {@code runs} table what it left open (failed, dry run). */
  private static int recordingRuns(CommandLine.ParseResult parsed) {
    try {
      int status = new CommandLine.RunLast().execute(parsed);
      RunHistory.endOpen(null);
      return status;
    } catch (CommandLine.ExecutionException e) {
      RunHistory.endOpen(e.getCause());
      throw e;
    }
  }

  @Override
  public Integer call() {
    commandLine().usage(new PrintWriter(System.out, true));
    return 0;
  }

  /** The footer of a job's --help: its keys with defaults. */
  static String keysHelp(String job) {
    StringBuilder sb =
        new StringBuilder(
            "%nConfig keys and defaults (set with --conf FILE or --set KEY=VALUE):%n");
    for (ConfigKey<?> k : job == null ? ConfigKeys.all().values() : ConfigKeys.forJob(job)) {
      String def = k.defaultValue() == null ? "unset" : k.defaultValue();
      sb.append(
          String.format(
              Locale.ROOT,
              "  %s = %s  (%s)%n",
              k.name(),
              def.replace("%", "%%"),
              k.type().description().replace("%", "%%")));
      sb.append(String.format(Locale.ROOT, "      %s%n", k.description().replace("%", "%%")));
    }
    return sb.toString();
  }

  static final String REDACTION = "(?i)secret|password|token|access[.]?key|api[._-]?key";

  /** The session spark-submit configured; local[*] when started outside spark-submit (an IDE). */
  static SparkSession session(String job) {
    SparkConf conf = new SparkConf();
    if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    // Spark's default redaction plus API keys: values of matching properties and environment
    // variables (spark.executorEnv.OPENAI_API_KEY) never show in the UI or event logs
    conf.setIfMissing("spark.redaction.regex", REDACTION);
    // ND4J's OpenMP threads spin between ops and starve OpenBLAS's: 1.7x slower decoding on 2 cores
    conf.setIfMissing("spark.executorEnv.OMP_WAIT_POLICY", "passive");
    SparkSession spark =
        SparkSession.builder().config(conf).appName("batchlm " + job).getOrCreate();
    // A local run has a few cores: Spark's 200 shuffle partitions would be 200 tiny tasks per
    // shuffle where adaptive execution cannot coalesce them (cached plans, RDD conversions); the
    // demo's rerun spent 35 of its 77 s of stages in them. Clusters keep Spark's default.
    if (spark.sparkContext().isLocal() && !conf.contains("spark.sql.shuffle.partitions")) {
      spark
          .conf()
          .set("spark.sql.shuffle.partitions", 3L * spark.sparkContext().defaultParallelism());
    }
    return spark;
  }

  /**
   * The Spark properties spark-submit passed (it sets them as system properties), read before any
   * session starts so that a bad {@code spark.batchlm.*} key fails at once.
   */
  static Map<String, String> sparkProperties() {
    Map<String, String> props = new java.util.TreeMap<>();
    for (Tuple2<String, String> t : new SparkConf().getAll()) {
      props.put(t._1(), t._2());
    }
    return props;
  }

  /** Picocli's @Mixin for the options every job shares. */
  abstract static class Job implements Callable<Integer> {
    @Mixin JobOptions options;

    /** The job's config, checked before any SparkSession exists ({@link Preflight}). */
    BatchConfig config(String job) {
      return checked(job, options.load(job, sparkProperties()));
    }

    static BatchConfig checked(String job, BatchConfig config) {
      Configuration hadoop = new Configuration();
      // what spark-submit --conf spark.hadoop.* would give the session's Hadoop configuration
      sparkProperties()
          .forEach(
              (k, v) -> {
                if (k.startsWith("spark.hadoop.")) {
                  hadoop.set(k.substring("spark.hadoop.".length()), v);
                }
              });
      Preflight.check(job, config, hadoop);
      return config;
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"batchlm " + dev.batchlm.table.RunManifest.build()};
    }
  }
}
