package dev.batchlm.pipeline.report;

import dev.batchlm.monitor.Trend.Unit;
import dev.batchlm.monitor.Trend.Worse;
import java.util.List;

/**
 * The monitoring report's charts. Each is a query over the tables, registered by name and
 * restricted to the report's nights ({@link TableViews}), and over the {@code inference_health}
 * view; it gives {@code night}, {@code series} and {@code value} per row, and may give {@code
 * chart} (one chart per distinct value, named by it) and an interval {@code low}, {@code high}.
 * Tables partitioned only by night hold each night's last run; the others pick theirs.
 */
final class ReportCharts {
  private ReportCharts() {}

  /** A chart (or a family of charts, by the query's {@code chart} column) in a section. */
  record Query(
      String section,
      String name,
      String title,
      String metric,
      Unit unit,
      Worse worse,
      String sql) {}

  /** A section and what it says when it has no chart. */
  record Section(String title, String whenEmpty) {}

  static final List<Section> SECTIONS =
      List.of(
          new Section("Inference", "No infer run in these nights."),
          new Section("Evaluation", "No eval run in these nights."),
          new Section("Fine-tuning", "No ft-prep or lora-train run in these nights."),
          new Section("Quarantine", "Nothing was quarantined in these nights."),
          new Section("Jobs", "No finished job run in these nights."));

  /** A prompt version as analysts name it: {@code classify@4be1c0d9}. */
  private static final String PROMPT =
      """
      CASE WHEN prompt_version IS NULL THEN '(killed or failed runs)'
        WHEN prompt_version = '' THEN '(ready messages)'
        ELSE concat(prompt_name, '@', substr(prompt_version, 1, 8)) END""";

  static final List<Query> QUERIES =
      List.of(
          new Query(
              "Inference",
              "spend-route",
              "Spend per route (killed and failed runs included)",
              "spend",
              Unit.USD,
              Worse.UP,
              """
              SELECT run_date AS night, route AS series, sum(cost_usd) AS value
              FROM inference_health WHERE route <> '' GROUP BY run_date, route"""),
          new Query(
              "Inference",
              "spend-prompt",
              "Spend per prompt version",
              "spend",
              Unit.USD,
              Worse.UP,
              "SELECT run_date AS night, "
                  + PROMPT
                  + " AS series, sum(cost_usd) AS value FROM inference_health GROUP BY 1, 2"),
          new Query(
              "Inference",
              "cache-hit-rate",
              "Cache hit rate per route",
              "cache hit rate",
              Unit.RATE,
              Worse.DOWN,
              """
              SELECT run_date AS night, route AS series, sum(cache_hits) / sum(requests) AS value
              FROM inference_health WHERE route <> '' AND requests IS NOT NULL
              GROUP BY run_date, route"""),
          new Query(
              "Inference",
              "error-rate",
              "Error rate per prompt version (requests no route answered)",
              "error rate",
              Unit.RATE,
              Worse.UP,
              "SELECT run_date AS night, "
                  + PROMPT
                  + " AS series, sum(errors) / sum(requests) AS value FROM inference_health"
                  + " WHERE requests IS NOT NULL GROUP BY 1, 2"),
          new Query(
              "Inference",
              "errors-by-class",
              "Errors by class (a request counts in each class its routes met)",
              "errors",
              Unit.COUNT,
              Worse.UP,
              """
              SELECT night, stack(6, 'rate limited (429)', r, 'server (5xx)', s, 'timed out', t,
                  'auth (401/403)', a, 'budget spent', b, 'not sent', u) AS (series, value)
              FROM (SELECT run_date AS night, sum(errors_rate_limited) AS r,
                  sum(errors_server) AS s, sum(errors_timeout) AS t, sum(errors_auth) AS a,
                  sum(errors_budget) AS b, sum(errors_unsent) AS u
                FROM inference_health WHERE requests IS NOT NULL GROUP BY run_date)"""),
          new Query(
              "Inference",
              "latency",
              "Latency percentiles per route (calls made; cache hits left out)",
              "latency",
              Unit.MILLIS,
              Worse.UP,
              """
              SELECT night, stack(3, concat(route, ' p50'), p50, concat(route, ' p95'), p95,
                  concat(route, ' p99'), p99) AS (series, value)
              FROM (SELECT run_date AS night, route,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS p50,
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95,
                  percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) AS p99
                FROM inference_results WHERE attempts > 0 AND route IS NOT NULL
                GROUP BY run_date, route)"""),
          new Query(
              "Inference",
              "tokens",
              "Tokens (prompt and completion, cache hits included)",
              "tokens",
              Unit.COUNT,
              Worse.UP,
              """
              SELECT night, stack(2, 'input', i, 'output', o) AS (series, value)
              FROM (SELECT run_date AS night, sum(input_tokens) AS i, sum(output_tokens) AS o
                FROM inference_health GROUP BY run_date)"""),
          new Query(
              "Inference",
              "invalid-rate",
              "Validation failures after repairs, per route",
              "invalid rate",
              Unit.RATE,
              Worse.UP,
              """
              SELECT run_date AS night, route AS series, sum(invalid) / sum(requests) AS value
              FROM inference_health WHERE route <> '' AND requests IS NOT NULL
              GROUP BY run_date, route"""),
          new Query(
              "Evaluation",
              "eval",
              "mean with its 95% interval, per system",
              "",
              Unit.SCORE,
              Worse.DOWN,
              """
              SELECT s.metric AS chart, s.run_date AS night, s.system AS series, s.mean AS value,
                s.ci_low AS low, s.ci_high AS high
              FROM eval_summary s
              JOIN (SELECT run_date, max(run_id) AS run_id FROM eval_summary GROUP BY run_date) l
                ON s.run_date = l.run_date AND s.run_id = l.run_id
              WHERE s.slice = 'all' AND s.kind <> 'usage'"""),
          new Query(
              "Fine-tuning",
              "ft-funnel",
              "Examples kept after each ft-prep stage",
              "examples kept",
              Unit.COUNT,
              Worse.NEITHER,
              """
              SELECT run_date AS night, concat(step, '. ', stage) AS series, count AS value
              FROM finetune_report WHERE outcome = 'kept'"""),
          new Query(
              "Fine-tuning",
              "lora-loss",
              "LoRA loss: training (mean of the last epoch) and validation (last measured)",
              "loss",
              Unit.SCORE,
              Worse.UP,
              """
              SELECT m.run_date AS night, concat(m.adapter, ' training') AS series,
                avg(m.loss) AS value
              FROM lora_metrics m
              JOIN (SELECT run_date, adapter, max(epoch) AS epoch FROM lora_metrics
                GROUP BY run_date, adapter) l
                ON m.run_date = l.run_date AND m.adapter = l.adapter AND m.epoch = l.epoch
              GROUP BY m.run_date, m.adapter
              UNION ALL
              SELECT run_date, concat(adapter, ' validation'), max_by(validation_loss, step)
              FROM lora_metrics WHERE validation_loss IS NOT NULL GROUP BY run_date, adapter"""),
          new Query(
              "Quarantine",
              "quarantine",
              "Quarantined inputs by stage and reason",
              "quarantined",
              Unit.COUNT,
              Worse.UP,
              """
              SELECT run_date AS night, concat(stage, ': ', error_class) AS series,
                count(*) AS value
              FROM quarantine GROUP BY run_date, stage, error_class"""),
          new Query(
              "Jobs",
              "durations",
              "Job durations (the night's last run that did its work)",
              "duration",
              Unit.SECONDS,
              Worse.UP,
              """
              SELECT r.run_date AS night, r.job AS series, r.duration_ms / 1000.0 AS value
              FROM runs r
              JOIN (SELECT run_date, job, max(started_at) AS started_at FROM runs
                WHERE status IN ('succeeded', 'incomplete') GROUP BY run_date, job) l
                ON r.run_date = l.run_date AND r.job = l.job AND r.started_at = l.started_at"""));
}
