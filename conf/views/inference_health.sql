-- inference_health: request health per infer run, route and prompt version (docs/tables.md).
-- Reads the tables inference_results, llm_cache and runs; runs unchanged on Spark SQL and DuckDB.
-- Runs that paid calls but committed no results (killed or failed) get one row per route from the
-- cache, which keeps every paid answer: their requests, hit and error counts are unknown (null).
-- Error classes come from the error text's fixed parts (llm.HttpErrors, infer.Dispatcher); a
-- request's error lists every route it tried, so a request can count in more than one class.
WITH results AS (
  SELECT run_date, run_id, coalesce(route, '') AS route, prompt_name, prompt_version,
    count(*) AS requests,
    sum(CASE WHEN cache_hit THEN 1 ELSE 0 END) AS cache_hits,
    sum(CASE WHEN NOT cache_hit AND attempts > 0 THEN 1 ELSE 0 END) AS paid_calls,
    sum(CASE WHEN error IS NOT NULL THEN 1 ELSE 0 END) AS errors,
    sum(CASE WHEN error LIKE '%HTTP 429%' THEN 1 ELSE 0 END) AS errors_rate_limited,
    sum(CASE WHEN error LIKE '%HTTP 5__%' THEN 1 ELSE 0 END) AS errors_server,
    sum(CASE WHEN error LIKE '%timed out%' THEN 1 ELSE 0 END) AS errors_timeout,
    sum(CASE WHEN error LIKE '%HTTP 401%' OR error LIKE '%HTTP 403%' THEN 1 ELSE 0 END)
      AS errors_auth,
    sum(CASE WHEN error LIKE '%budget is spent%' THEN 1 ELSE 0 END) AS errors_budget,
    sum(CASE WHEN error IS NOT NULL AND attempts = 0 AND error NOT LIKE '%budget is spent%'
      THEN 1 ELSE 0 END) AS errors_unsent,
    sum(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END) AS retries,
    sum(CASE WHEN error IS NULL AND NOT valid THEN 1 ELSE 0 END) AS invalid,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN attempts > 0 THEN latency_ms END)
      AS latency_p50_ms,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY CASE WHEN attempts > 0 THEN latency_ms END)
      AS latency_p95_ms,
    percentile_cont(0.99) WITHIN GROUP (ORDER BY CASE WHEN attempts > 0 THEN latency_ms END)
      AS latency_p99_ms,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cost_usd) AS cost_usd,
    sum(cost_saved_usd) AS cost_saved_usd,
    sum(device_ms) / 1000.0 AS device_seconds
  FROM inference_results
  GROUP BY run_date, run_id, coalesce(route, ''), prompt_name, prompt_version
),
unfinished AS (
  SELECT r.run_date, c.run_id, c.route, CAST(NULL AS STRING) AS prompt_name,
    CAST(NULL AS STRING) AS prompt_version,
    CAST(NULL AS BIGINT) AS requests, CAST(NULL AS BIGINT) AS cache_hits,
    count(*) AS paid_calls,
    CAST(NULL AS BIGINT) AS errors, CAST(NULL AS BIGINT) AS errors_rate_limited,
    CAST(NULL AS BIGINT) AS errors_server, CAST(NULL AS BIGINT) AS errors_timeout,
    CAST(NULL AS BIGINT) AS errors_auth, CAST(NULL AS BIGINT) AS errors_budget,
    CAST(NULL AS BIGINT) AS errors_unsent, CAST(NULL AS BIGINT) AS retries,
    CAST(NULL AS BIGINT) AS invalid,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY c.latency_ms) AS latency_p50_ms,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY c.latency_ms) AS latency_p95_ms,
    percentile_cont(0.99) WITHIN GROUP (ORDER BY c.latency_ms) AS latency_p99_ms,
    sum(c.input_tokens) AS input_tokens,
    sum(c.output_tokens) AS output_tokens,
    sum(c.cost_usd) AS cost_usd,
    CAST(NULL AS DOUBLE) AS cost_saved_usd,
    CAST(NULL AS DOUBLE) AS device_seconds
  FROM llm_cache c JOIN runs r ON c.run_id = r.run_id
  WHERE c.run_id NOT IN (SELECT DISTINCT run_id FROM inference_results)
  GROUP BY r.run_date, c.run_id, c.route
),
health AS (
  SELECT * FROM results
  UNION ALL
  SELECT * FROM unfinished
)
SELECT h.run_date, h.run_id, r.status, h.route, h.prompt_name, h.prompt_version, h.requests,
  h.cache_hits,
  CAST(h.cache_hits AS DOUBLE) / h.requests AS cache_hit_rate,
  h.paid_calls, h.errors,
  CAST(h.errors AS DOUBLE) / h.requests AS error_rate,
  h.errors_rate_limited, h.errors_server, h.errors_timeout, h.errors_auth, h.errors_budget,
  h.errors_unsent, h.retries, h.invalid,
  CAST(h.invalid AS DOUBLE) / h.requests AS invalid_rate,
  h.latency_p50_ms, h.latency_p95_ms, h.latency_p99_ms, h.input_tokens, h.output_tokens,
  h.cost_usd, h.cost_saved_usd, h.device_seconds
FROM health h LEFT JOIN runs r ON h.run_id = r.run_id
ORDER BY h.run_date, h.run_id, h.route, h.prompt_name, h.prompt_version
