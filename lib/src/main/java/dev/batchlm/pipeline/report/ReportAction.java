package dev.batchlm.pipeline.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.lit;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.monitor.LineChart.Line;
import dev.batchlm.monitor.MonitoringReport;
import dev.batchlm.monitor.MonitoringReport.Flagged;
import dev.batchlm.monitor.MonitoringReport.NightRun;
import dev.batchlm.monitor.MonitoringReport.Window;
import dev.batchlm.monitor.Panel;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.table.EvalSummary;
import dev.batchlm.table.FinetuneReport;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.table.LlmCache;
import dev.batchlm.table.LoraMetrics;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.Runs;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * The {@code report} job: one self-contained HTML page per night under {@code
 * ROOT/monitoring_report/}, charting the last {@code report.days} nights of the tables (spend,
 * cache, errors, latency, tokens, validation, eval metrics, fine-tuning, quarantine, job durations)
 * and flagging at its top each value of the night that moved beyond {@code report.threshold}
 * against its trailing median. Only small per-night aggregates reach the driver.
 */
public final class ReportAction {
  /** Earlier nights a series needs before its last night can be flagged. */
  static final int MIN_NIGHTS = 3;

  static final String FOLDER = "monitoring_report";

  private ReportAction() {}

  /** The run; {@code sections} hold the charts' values, what the page draws. */
  public record Result(
      String runId,
      LocalDate runDate,
      int nights,
      List<MonitoringReport.Section> sections,
      List<String> flags,
      boolean alert,
      String path) {
    public int charts() {
      return sections.stream().mapToInt(s -> s.panels().size()).sum();
    }
  }

  /** A value of chart query {@code query} on a night for a series, with its interval if any. */
  record NightValue(
      int query, String chart, String night, String series, Double value, Double low, Double high) {
    static final RecordRows<NightValue> ROWS = RecordRows.of(NightValue.class);
  }

  static final RecordRows<NightRun> NIGHT_RUNS = RecordRows.of(NightRun.class);

  public static Result run(SparkSession spark, BatchConfig config) {
    JobRun run = new JobRun(spark, "report", config);
    Window window =
        new Window(
            run.runDate,
            config.get(ConfigKeys.REPORT_DAYS),
            config.get(ConfigKeys.REPORT_BASELINE_NIGHTS),
            MIN_NIGHTS,
            config.get(ConfigKeys.REPORT_THRESHOLD));

    run.stages.start("read tables");
    Dataset<Row> health = register(spark, run.root, window);
    run.stages.done(window.first() + " to " + window.night());

    run.stages.start("nightly values");
    List<NightValue> values = values(spark);
    health.unpersist();
    List<MonitoringReport.Section> sections = sections(values);
    List<NightRun> runs = nightRuns(spark, run);
    int charts = (int) sections.stream().mapToLong(s -> s.panels().size()).sum();
    run.stages.done(values.size() + " values, " + charts + " charts");

    run.stages.start("flag and write");
    List<Flagged> flags = flags(sections, window);
    Path page = new Path(new Path(run.root, FOLDER), window.night() + ".html");
    ReportFiles.write(
        page,
        MonitoringReport.html(window, flags, runs, sections),
        spark.sparkContext().hadoopConfiguration());
    List<String> messages = flags.stream().map(f -> f.flag().message()).toList();
    boolean alert = !flags.isEmpty() && config.get(ConfigKeys.REPORT_ALERT);
    run.counters.put("flags", messages.size());
    run.counters.put("report", page.toString());
    int nights = (int) values.stream().map(NightValue::night).distinct().count();
    run.stages.done(page + ": " + messages.size() + " flags");
    return run.commit(
        new Result(run.runId, run.runDate, nights, sections, messages, alert, page.toString()),
        true);
  }

  /**
   * The tables under {@code root}, the window's nights of them, as views of their names, and {@code
   * inference_health} over them, cached: most inference charts read it. Unpersist it after.
   */
  public static Dataset<Row> register(SparkSession spark, String root, Window window) {
    TableViews.register(
        spark,
        root,
        window.first(),
        window.night(),
        InferenceResults.SPEC,
        LlmCache.SPEC,
        Runs.SPEC,
        EvalSummary.SPEC,
        FinetuneReport.SPEC,
        LoraMetrics.SPEC,
        Quarantine.SPEC);
    Dataset<Row> health = InferenceHealth.over(spark).cache();
    health.createOrReplaceTempView("inference_health");
    return health;
  }

  /**
   * Every chart query's rows, as one Spark job (a union: many small jobs would each pay Spark's
   * start-up), with {@code chart}, {@code low} and {@code high} null where a query has none.
   */
  static List<NightValue> values(SparkSession spark) {
    Dataset<Row> all = null;
    for (int i = 0; i < ReportCharts.QUERIES.size(); i++) {
      Dataset<Row> rows = spark.sql(ReportCharts.QUERIES.get(i).sql());
      List<String> columns = List.of(rows.columns());
      Column none = lit(null).cast(DataTypes.DoubleType);
      Dataset<Row> one =
          rows.where(col("value").isNotNull())
              .select(
                  lit(i).as("query"),
                  columns.contains("chart") ? col("chart").cast("string") : lit(""),
                  col("night").cast("string"),
                  col("series").cast("string"),
                  col("value").cast("double"),
                  columns.contains("low") ? col("low").cast("double") : none,
                  columns.contains("high") ? col("high").cast("double") : none)
              .toDF(NightValue.ROWS.schema().fieldNames());
      all = all == null ? one : all.union(one);
    }
    return all.collectAsList().stream().map(NightValue.ROWS::fromRow).toList();
  }

  /** The charts of the values, by section in the report's order. */
  static List<MonitoringReport.Section> sections(List<NightValue> values) {
    List<MonitoringReport.Section> out = new ArrayList<>();
    for (ReportCharts.Section s : ReportCharts.SECTIONS) {
      List<Panel> panels = new ArrayList<>();
      for (int i = 0; i < ReportCharts.QUERIES.size(); i++) {
        ReportCharts.Query q = ReportCharts.QUERIES.get(i);
        if (q.section().equals(s.title())) {
          int query = i;
          panels.addAll(panels(q, values.stream().filter(v -> v.query() == query).toList()));
        }
      }
      out.add(new MonitoringReport.Section(s.title(), s.whenEmpty(), panels));
    }
    return out;
  }

  /** The night's flags, chart by chart. */
  static List<Flagged> flags(List<MonitoringReport.Section> sections, Window window) {
    List<Flagged> flags = new ArrayList<>();
    for (MonitoringReport.Section s : sections) {
      for (Panel p : s.panels()) {
        p.flags(window.night(), window.baselineNights(), window.minNights(), window.threshold())
            .forEach(f -> flags.add(new Flagged(p.name(), f)));
      }
    }
    return flags;
  }

  /** The query's chart, or one chart per value of its {@code chart} column, in name order. */
  static List<Panel> panels(ReportCharts.Query q, List<NightValue> values) {
    Map<String, Map<String, Line>> charts = new TreeMap<>();
    for (NightValue v : values) {
      Map<String, Line> lines = charts.computeIfAbsent(v.chart(), c -> new TreeMap<>());
      Line line =
          lines.computeIfAbsent(v.series(), s -> new Line(s, new TreeMap<>(), new TreeMap<>()));
      LocalDate night = LocalDate.parse(v.night());
      line.values().put(night, v.value());
      if (v.low() != null && v.high() != null) {
        line.intervals().put(night, new double[] {v.low(), v.high()});
      }
    }
    List<Panel> out = new ArrayList<>();
    charts.forEach(
        (chart, lines) ->
            out.add(
                chart.isEmpty()
                    ? new Panel(
                        q.name(),
                        q.title(),
                        q.metric(),
                        q.unit(),
                        q.worse(),
                        List.copyOf(lines.values()))
                    : new Panel(
                        q.name() + "-" + chart,
                        chart + ": " + q.title(),
                        chart,
                        q.unit(),
                        q.worse(),
                        List.copyOf(lines.values()))));
    return out;
  }

  /** The night's job runs in start order, this one aside. */
  static List<NightRun> nightRuns(SparkSession spark, JobRun run) {
    return spark
        .table(Runs.SPEC.name())
        .where(col("run_date").equalTo(lit(run.runDate)).and(col("run_id").notEqual(run.runId)))
        .orderBy("started_at")
        .select(
            col("job"),
            col("run_id"),
            col("status"),
            date_format(col("started_at"), "yyyy-MM-dd HH:mm:ss"),
            col("duration_ms"),
            col("error"))
        .collectAsList()
        .stream()
        .map(NIGHT_RUNS::fromRow)
        .toList();
  }
}
