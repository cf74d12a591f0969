package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.report.ReportAction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The nightly monitoring report: {@code ROOT/monitoring_report/<run date>.html}, charts of the last
 * {@code report.days} nights with the night's flags at the top; exits with {@link #ALERT} after
 * writing it when {@code report.alert} is set and a value is flagged, so a scheduler can page.
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar report --output hdfs:///batchlm --days 30 --set report.alert=true
 * </pre>
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = "Write the nightly monitoring report: charts of the last nights, flags on top.")
final class ReportJob extends BatchLm.Job {
  /** The exit status of a flagged report under report.alert, as of a failed eval gate. */
  static final int ALERT = EvalJob.GATE_FAILED;

  @Option(names = "--days", paramLabel = "N", description = "Nights to chart (sets report.days)")
  Integer days;

  @Override
  public Integer call() {
    if (days != null) {
      options.sets.add("report.days=" + days);
    }
    BatchConfig config = config("report");
    ReportAction.Result r = ReportAction.run(BatchLm.session("report"), config);
    Summary.print(r);
    return r.alert() ? ALERT : 0;
  }
}
