package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.eval.Summaries;
import dev.batchlm.pipeline.chunk.ChunkAction;
import dev.batchlm.pipeline.embed.EmbedAction;
import dev.batchlm.pipeline.eval.EvalAction;
import dev.batchlm.pipeline.ftprep.FtPrepAction;
import dev.batchlm.pipeline.infer.InferAction;
import dev.batchlm.pipeline.ingest.IngestAction;
import dev.batchlm.pipeline.loratrain.LoraTrainAction;
import dev.batchlm.pipeline.report.ReportAction;
import dev.batchlm.pipeline.retrieve.RetrieveAction;
import dev.batchlm.table.Quarantine;
import dev.batchlm.table.Tables;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The short summaries jobs print when they finish. */
final class Summary {
  private Summary() {}

  static void print(ReportAction.Result r) {
    System.out.printf(
        Locale.ROOT,
        "report   %s: %d charts over %d %s with data, %d %s%s%n         -> %s%n",
        r.runDate(),
        r.charts(),
        r.nights(),
        r.nights() == 1 ? "night" : "nights",
        r.flags().size(),
        r.flags().size() == 1 ? "flag" : "flags",
        r.alert() ? " (report.alert: exit " + ReportJob.ALERT + ")" : "",
        r.path());
    r.flags().forEach(f -> System.out.println("         FLAG " + f));
  }

  static void print(IngestAction.Result r) {
    kept("ingest", r.runDate(), r.runId(), r.kept());
    System.out.printf(
        Locale.ROOT,
        "ingest   %s%s: %d documents (%d new, %d changed, %d unchanged, %d deleted since %s; %d"
            + " extracted, %d reused from an earlier extraction), %d quarantined %s%n"
            + "         -> %s%n",
        r.runDate(),
        r.rerun() ? " (rerun)" : "",
        r.documents(),
        r.added(),
        r.changed(),
        r.unchanged(),
        r.deleted(),
        r.previousDate() == null ? "no earlier night" : r.previousDate(),
        r.documents() - r.reused(),
        r.reused(),
        r.quarantined(),
        r.quarantinedByClass(),
        r.documentsPath());
  }

  static void print(ChunkAction.Result r) {
    kept("chunk", r.runDate(), r.runId(), r.kept());
    System.out.printf(
        Locale.ROOT,
        "chunk    %s: %d chunks from %d documents (%d chunked, %d unchanged and carried over),"
            + " %d quarantined%n         strategy %s%n         -> %s%n",
        r.runDate(),
        r.chunks(),
        r.documents(),
        r.chunkedDocuments(),
        r.carriedDocuments(),
        r.quarantined(),
        r.strategy(),
        r.chunksPath());
  }

  static void print(EmbedAction.Result r) {
    kept("embed", r.runDate(), r.runId(), r.kept());
    System.out.printf(
        Locale.ROOT,
        "embed    %s: %d vectors of %d dims for %d chunks (%d embedded, %d carried over, %d truncated),"
            + " %d quarantined%n         model %s (%s pooling%s)%n         -> %s%n",
        r.runDate(),
        r.embedded() + r.carried(),
        r.model().dim(),
        r.chunks(),
        r.embedded(),
        r.carried(),
        r.truncated(),
        r.quarantined(),
        r.model().modelId(),
        r.model().pooling(),
        r.model().normalized() ? ", L2-normalized" : "",
        r.embeddingsPath());
  }

  static void print(RetrieveAction.Result r) {
    kept("retrieve", r.runDate(), r.runId(), r.kept());
    System.out.printf(
        Locale.ROOT,
        "retrieve %s: %d queries, rows by method %s%n",
        r.runDate(),
        r.queries(),
        r.rowsByMethod());
    if (r.expansions() != null) { // a kept run from before expansions has none
      r.expansions().forEach(line -> System.out.printf("         %s%n", line));
    }
    System.out.printf("         -> %s%n", r.path());
  }

  static void print(InferAction.Result r) {
    kept("infer", r.runDate(), r.runId(), r.kept());
    if (r.dryRun()) {
      System.out.printf(
          Locale.ROOT,
          "infer    %s: DRY RUN, nothing called. %d requests, %d cache hits, %d calls%n",
          r.runDate(),
          r.requests(),
          r.cacheHits(),
          r.calls());
    } else {
      System.out.printf(
          Locale.ROOT,
          "infer    %s: %d requests: %d answered (%d from the cache, %d calls), %d invalid,"
              + " %d errors, %d quarantined; cost %s, saved by the cache %s%n         -> %s%n",
          r.runDate(),
          r.requests(),
          r.answered(),
          r.cacheHits(),
          r.calls(),
          r.invalid(),
          r.errors(),
          r.quarantined(),
          usd(r.costUsd()),
          usd(r.costSavedUsd()),
          r.resultsPath());
    }
    for (InferAction.RoutePlan p : r.plan()) {
      System.out.println("         " + p.describe());
    }
    for (String b : r.batches() == null ? List.<String>of() : r.batches()) {
      System.out.println("         batches of " + b);
    }
  }

  /** The funnel: what each stage kept, then why examples were dropped and what was masked. */
  static void print(FtPrepAction.Result r) {
    kept("ft-prep", r.runDate(), r.runId(), r.kept());
    System.out.printf(
        Locale.ROOT,
        "ft-prep  %s: %d train + %d validation examples; kept per stage %s%n"
            + "         dropped %s; personal data masked %s; %d lines quarantined%n"
            + "         -> %s%n",
        r.runDate(),
        r.train(),
        r.validation(),
        r.funnel(),
        r.dropped(),
        r.piiMasked(),
        r.quarantined(),
        r.examplesPath());
    if (r.train() + r.validation() == 0) {
      System.out.println(
          "         no examples this night: nothing passed the stages (see dropped above)");
    }
    FtPrepAction.Packed p = r.packing();
    if (p != null && p.strategy() != null) {
      System.out.printf(
          Locale.ROOT,
          "         packed (%s) into %d sequences of up to %d tokens: %d tokens, %.1f%% full%n",
          p.strategy(),
          p.sequences(),
          p.maxLength(),
          p.tokens(),
          100 * p.efficiency());
    }
  }

  static void print(LoraTrainAction.Result r) {
    kept("lora-train", r.runDate(), r.runId(), r.kept());
    System.out.printf(
        Locale.ROOT,
        "lora-train %s: adapter %s, %d steps over %d train sequences (%d tokens, %.1f s, %.0f"
            + " tokens/s, %s)%n"
            + "           train loss %.4f -> %.4f; validation loss %s (base) -> %s (adapter), %d"
            + " sequences%n"
            + "           -> %s%n",
        r.runDate(),
        r.adapter(),
        r.steps(),
        r.trainSequences(),
        r.tokens(),
        r.seconds(),
        r.tokens() / Math.max(1e-9, r.seconds()),
        r.costUsd() == null
            ? "device time unpriced"
            : String.format(Locale.ROOT, "%.4f USD of device time", r.costUsd()),
        r.firstLoss(),
        r.lastLoss(),
        r.firstValidationLoss() == null
            ? "n/a"
            : String.format(Locale.ROOT, "%.4f", r.firstValidationLoss()),
        r.lastValidationLoss() == null
            ? "n/a"
            : String.format(Locale.ROOT, "%.4f", r.lastValidationLoss()),
        r.validationSequences(),
        r.adapterPath());
    if (r.resumedAtStep() > 0) {
      System.out.printf(
          Locale.ROOT,
          "           continued from the checkpoint of step %d left by a run that stopped%n",
          r.resumedAtStep());
    }
  }

  /**
   * One line per kind and system: its metrics' means with 95% intervals (retrieval: at the largest
   * k, MRR and MAP) and changes against the baseline; the report has every metric and slice.
   */
  static void print(EvalAction.Result r) {
    kept("eval", r.runDate(), r.runId(), r.kept());
    System.out.printf(Locale.ROOT, "eval     %s: coverage %s%n", r.runDate(), r.coverage());
    String maxK =
        r.headline().stream()
            .map(Summaries.Summary::metric)
            .filter(m -> m.startsWith("nDCG@"))
            .map(m -> m.substring(5))
            .max(java.util.Comparator.comparingInt(Integer::parseInt))
            .orElse("");
    Map<String, List<String>> lines = new java.util.LinkedHashMap<>();
    for (Summaries.Summary s : r.headline()) {
      String m = s.metric();
      if (m.contains("@") && !m.endsWith("@" + maxK)) {
        continue;
      }
      lines
          .computeIfAbsent(s.kind() + " " + s.system(), k -> new java.util.ArrayList<>())
          .add(
              String.format(Locale.ROOT, "%s %.3f [%.3f, %.3f]", m, s.mean(), s.low(), s.high())
                  + (Double.isNaN(s.delta())
                      ? ""
                      : String.format(Locale.ROOT, " (%+.3f)", s.delta())));
    }
    lines.forEach(
        (k, v) ->
            System.out.printf(
                Locale.ROOT, "         %s (n=%s): %s%n", k, count(r, k), String.join("; ", v)));
    if (r.judge() != null) {
      InferAction.Result j = r.judge();
      System.out.printf(
          Locale.ROOT,
          "         judge: %d judgments (%d from the cache, %d calls), %d invalid, %d errors; cost"
              + " %s -> %s%n",
          j.requests(),
          j.cacheHits(),
          j.calls(),
          j.invalid(),
          j.errors(),
          usd(j.costUsd()),
          j.resultsPath());
    }
    System.out.println("         -> " + r.summaryPath());
    System.out.println("         report " + r.reportPath());
    for (String f : r.gateFailures()) {
      System.out.println("GATE FAILED: " + f);
    }
  }

  /**
   * The line before a kept run's summary: this run did nothing, and which run's partitions stand
   * (--force runs it anyway).
   */
  private static void kept(String job, LocalDate runDate, String runId, boolean kept) {
    if (kept) {
      System.out.printf(
          Locale.ROOT,
          "%-8s %s: up to date, nothing ran (same inputs, config and build as run %s; --force"
              + " reruns). That run:%n",
          job,
          runDate,
          runId);
    }
  }

  private static long count(EvalAction.Result r, String kindSystem) {
    return r.headline().stream()
        .filter(s -> (s.kind() + " " + s.system()).equals(kindSystem))
        .mapToLong(Summaries.Summary::n)
        .max()
        .orElse(0);
  }

  private static String usd(Double v) {
    return v == null ? "unpriced" : String.format(Locale.ROOT, "%.4f USD", v);
  }

  /** Every quarantined input of the run date, one line each. */
  static void quarantine(SparkSession spark, BatchConfig config) {
    String path =
        Tables.partition(
                Tables.table(config.get(ConfigKeys.OUTPUT_ROOT), Quarantine.SPEC), config.runDate())
            .toString();
    List<Row> rows =
        spark
            .read()
            .parquet(path)
            .orderBy(Quarantine.STAGE, Quarantine.SOURCE)
            .select(Quarantine.STAGE, Quarantine.ERROR_CLASS, Quarantine.SOURCE, Quarantine.MESSAGE)
            .collectAsList();
    System.out.printf(Locale.ROOT, "quarantine: %d inputs -> %s%n", rows.size(), path);
    for (Row r : rows) {
      System.out.printf(
          Locale.ROOT,
          "  [%s] %-16s %s: %s%n",
          r.getString(0),
          r.getString(1),
          withoutFolder(r.getString(2)),
          r.getString(3));
    }
  }

  /** A source without its file's folder: {@code e.jsonl:3: {"text": ...}} of a full path. */
  static String withoutFolder(String source) {
    int end = source.indexOf(": "); // after the file (and line): the line's text, if any
    String file = end < 0 ? source : source.substring(0, end);
    return source.substring(file.lastIndexOf('/') + 1);
  }
}
