package dev.batchlm.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.cache.CacheEntry;
import dev.batchlm.cost.Budget;
import dev.batchlm.cost.Price;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.ChatResponse;
import dev.batchlm.llm.LlmException;
import dev.batchlm.llm.RetryPolicy;
import dev.batchlm.llm.Route;
import dev.batchlm.llm.TokenUsage;
import dev.batchlm.llm.batch.BatchApi;
import dev.batchlm.llm.batch.BatchResult;
import dev.batchlm.llm.batch.BatchStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life of one route's batches in one run: adopt the batches earlier runs left open (their
 * requests are not sent again), write the new requests as input files cut at the provider's limits
 * ({@code custom_id} = the cache key), record each batch in {@code llm_batches} before it is made
 * and again once it has an id, poll with a doubling wait, and map every line of an ended batch's
 * results back by {@code custom_id}: answers priced at the batch rate and committed to the cache
 * like synchronous ones, failed lines reported (or sent once more in a batch), an id that was not
 * sent or comes twice reported as a problem, a request without a line reported as failed. Every key
 * handed in ends with exactly one {@link Outcome}. Spark-free; one per route and run, on the
 * driver.
 */
public final class BatchRunner {
  private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TOO_LARGE =
      Pattern.compile(
          "too large|too big|exceeds|maximum size|size limit", Pattern.CASE_INSENSITIVE);
  private static final int CREATE_ATTEMPTS = 3;
  private static final int COMMIT_EVERY = 1000; // answers per llm_cache file

  /**
   * How batches are cut (requests and bytes per input file), polled (a first wait doubling up to a
   * longest one), waited for ({@code maxWait}: 0 submits and returns) and what becomes of lines
   * that failed retriably ({@code retry}: {@code batch} sends them in one more batch; otherwise
   * they are reported as retriable failures for the caller).
   */
  public record Settings(
      int maxRequests,
      long maxBytes,
      Duration firstPoll,
      Duration maxPoll,
      Duration maxWait,
      String retry)
      implements Serializable {}

  /** One request to send, under its cache key; {@code inputTokens} estimated, for the budget. */
  public record Job(String key, ChatRequest request, long inputTokens) {}

  /**
   * How a key ended in this run: answered ({@code response}, its cost at the batch rate; null when
   * unpriced), or failed with {@code error} ({@code retriable}: worth another call; a request of a
   * batch still open is not). {@code batchId}: the batch that answered or failed it, if any.
   */
  public record Outcome(
      String key,
      String batchId,
      ChatResponse response,
      Double costUsd,
      String error,
      boolean retriable,
      long latencyMillis) {
    public boolean ok() {
      return response != null;
    }
  }

  /** What the run did with its batches: counts by how they ended, and what was paid. */
  public record Summary(
      int submitted,
      int adopted,
      int open,
      Map<String, Integer> ended,
      long answered,
      long failed,
      long retriable,
      double costUsd) {
    public String describe() {
      return String.format(
          Locale.ROOT,
          "%d batches submitted, %d adopted, %d still open, ended %s; %d answered, %d failed"
              + " (%d worth calling again), %.4f USD",
          submitted,
          adopted,
          open,
          ended,
          answered,
          failed,
          retriable,
          costUsd);
    }
  }

  private final Route route;
  private final BatchApi api;
  private final Optional<Price> price;
  private final Budget budget;
  private final BatchLog log;
  private final Consumer<List<CacheEntry>> cache;
  private final Consumer<Outcome> outcomes;
  private final Consumer<String> problems;
  private final String runId;
  private final long defaultMaxTokens;
  private final Settings settings;
  private final RetryPolicy.Sleeper sleeper;
  private final LongSupplier nanos;

  private final Map<String, Batch> batches = new LinkedHashMap<>();
  private final Set<String> adoptedKeys = new HashSet<>();
  private int submitted;
  private int adopted;
  private int refused;
  private long answered;
  private long failed;
  private long retriable;
  private double spentUsd;

  /** A batch this run watches; what has been read of its results so far. */
  private static final class Batch {
    BatchRecord record;
    final long since;
    final boolean retry; // a batch of lines that failed once: not sent again in a batch
    double reservedUsd; // of the budget, until its answers are priced
    boolean collected;
    String endedAs; // the provider's final state
    final Set<String> seen = new HashSet<>();
    final List<CacheEntry> toCommit = new ArrayList<>();
    final List<Outcome> committing = new ArrayList<>();
    final Map<String, String> toRetry = new LinkedHashMap<>();
    long ok;
    long bad;
    double costUsd;

    Batch(BatchRecord record, long since, boolean retry, double reservedUsd) {
      this.record = record;
      this.since = since;
      this.retry = retry;
      this.reservedUsd = reservedUsd;
    }
  }

  /**
   * @param price the route's synchronous price (its batch discount applied here); empty: unpriced
   * @param cache where answers are committed, a thousand lines at a time, before their outcomes are
   *     reported (the same table as synchronous answers)
   * @param outcomes one per key handed in (and per key of an adopted batch)
   * @param problems result lines that map to no request, or to one already answered
   */
  public BatchRunner(
      Route route,
      BatchApi api,
      Optional<Price> price,
      Budget budget,
      BatchLog log,
      Consumer<List<CacheEntry>> cache,
      Consumer<Outcome> outcomes,
      Consumer<String> problems,
      String runId,
      long defaultMaxTokens,
      Settings settings,
      RetryPolicy.Sleeper sleeper,
      LongSupplier nanos) {
    this.route = route;
    this.api = api;
    this.price = price.map(Price::atBatchRates);
    this.budget = budget;
    this.log = log;
    this.cache = cache;
    this.outcomes = outcomes;
    this.problems = problems;
    this.runId = runId;
    this.defaultMaxTokens = defaultMaxTokens;
    this.settings = settings;
    this.sleeper = sleeper;
    this.nanos = nanos;
  }

  /**
   * Adopts {@code open} (this route's open batches from {@link BatchLog#latest}), sends {@code
   * jobs} (keys of an adopted batch are not sent again), waits up to {@code maxWait} and collects
   * what ended.
   */
  public Summary run(List<BatchRecord> open, Iterator<Job> jobs) {
    long start = nanos.getAsLong();
    open.forEach(this::adopt);
    submitAll(jobs);
    await(start);
    Map<String, Integer> ended = new TreeMap<>();
    int stillOpen = 0;
    for (Batch b : batches.values()) {
      if (b.collected) {
        ended.merge(b.endedAs, 1, Integer::sum);
      } else {
        stillOpen++;
        String why =
            String.format(
                Locale.ROOT,
                "batch %s still %s after waiting %.1f min; the next run of the same command"
                    + " adopts it (nothing is sent twice)",
                b.record.batchId(),
                b.record.state(),
                (nanos.getAsLong() - start) / 6e10);
        keys(b.record).forEach(k -> fail(k, b.record.batchId(), why, false));
      }
    }
    if (refused > 0) {
      ended.put("refused", refused);
    }
    return new Summary(submitted, adopted, stillOpen, ended, answered, failed, retriable, spentUsd);
  }

  // ---- adopting and submitting

  private void adopt(BatchRecord r) {
    adopted++;
    adoptedKeys.addAll(keys(r));
    boolean fits = budget.tryReserve(worstCase(r));
    if (r.batchId() == null) { // the run that wrote it was killed around creating it
      Optional<BatchStatus> made =
          api.find(r.ref(), r.recordedAt().getEpochSecond() - 5, (int) r.requests());
      if (made.isEmpty() && fits) {
        LOG.info("Batch {} was recorded but never made; making it now", r.ref());
        create(r, false);
        return;
      }
      if (made.isEmpty()) {
        refuse(r, "not made: it does not fit infer.budget-usd", false, 0);
        return;
      }
      r = record(r.with(made.get(), runId, Instant.now()));
    }
    Batch b = track(r, false);
    if (!fits) {
      b.reservedUsd = 0;
    }
    if (!fits && !BatchStatus.ENDED.contains(r.state())) {
      // a lower budget than the run that sent it: stop paying for what is left of it
      LOG.warn("Batch {} does not fit infer.budget-usd: cancelling it", r.batchId());
      b.record = record(b.record.with(api.cancel(r.batchId()), runId, Instant.now()));
    }
  }

  /** An input file being written. */
  private final class Chunk {
    final String ref = UUID.randomUUID().toString();
    final OutputStream out = log.createInput(ref + ".jsonl");
    int requests;
    long bytes;
    double worstCaseUsd;

    void add(String line, double worstCase) {
      byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
      try {
        out.write(b);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write batch input " + ref, e);
      }
      requests++;
      bytes += b.length;
      worstCaseUsd += worstCase;
    }

    BatchRecord close() {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write batch input " + ref, e);
      }
      return record(
          new BatchRecord(
              ref,
              route.name(),
              route.provider(),
              route.model(),
              null,
              "submitting",
              ref + ".jsonl",
              null,
              requests,
              bytes,
              price.isPresent() ? worstCaseUsd : null,
              0,
              0,
              null,
              runId,
              Instant.now(),
              null));
    }
  }

  private void submitAll(Iterator<Job> jobs) {
    Chunk chunk = null;
    while (jobs.hasNext()) {
      Job job = jobs.next();
      if (adoptedKeys.contains(job.key())) {
        continue; // sent by an earlier run: its batch answers it
      }
      long maxOut = job.request().maxTokens(defaultMaxTokens);
      double worstCase =
          price.map(p -> p.cost(new TokenUsage(job.inputTokens(), maxOut, 0, 0))).orElse(0.0);
      if (!budget.tryReserve(worstCase)) {
        fail(
            job.key(),
            null,
            String.format(
                Locale.ROOT,
                "%s: not sent, the budget is spent (%.4f USD committed at batch rates; raise"
                    + " infer.budget-usd and rerun: answered requests come from the cache)",
                route.name(),
                budget.committedUsd()),
            false);
        continue;
      }
      String line = api.inputLine(job.key(), job.request());
      long bytes = line.getBytes(StandardCharsets.UTF_8).length + 1L;
      if (chunk != null
          && (chunk.requests >= settings.maxRequests()
              || chunk.bytes + bytes > settings.maxBytes())) {
        create(chunk.close(), false);
        chunk = null;
      }
      if (chunk == null) {
        chunk = new Chunk();
      }
      chunk.add(line, worstCase);
    }
    if (chunk != null) {
      create(chunk.close(), false);
    }
  }

  /**
   * Makes the recorded batch {@code r} from its input file. A batch refused as too large is sent as
   * two halves; a retriable failure is retried after asking the provider whether the batch was made
   * after all (an answer lost on the way back must not make a second batch).
   */
  private void create(BatchRecord r, boolean retry) {
    for (int attempt = 1; ; attempt++) {
      try {
        BatchStatus made =
            api.create(() -> log.openInput(r.inputFile()), r.bytes(), (int) r.requests(), r.ref());
        submitted++;
        track(record(r.with(made, runId, Instant.now())), retry);
        return;
      } catch (LlmException e) {
        if (tooLarge(e) && r.requests() > 1) {
          split(r, e, retry);
          return;
        }
        if (e instanceof LlmException.Retriable && attempt < CREATE_ATTEMPTS) {
          sleeper.sleep(settings.firstPoll().toMillis() << attempt);
          Optional<BatchStatus> made =
              api.find(r.ref(), r.recordedAt().getEpochSecond() - 5, (int) r.requests());
          if (made.isPresent()) {
            submitted++;
            track(record(r.with(made.get(), runId, Instant.now())), retry);
            return;
          }
          continue;
        }
        refuse(r, "not made: " + e.getMessage(), e instanceof LlmException.Retriable, worstCase(r));
        return;
      }
    }
  }

  /** A batch that will not be made: its requests fail with {@code why}. */
  private void refuse(BatchRecord r, String why, boolean retriable, double reservedUsd) {
    refused++;
    record(r.in("refused", 0, r.requests(), 0.0, runId, Instant.now(), why));
    budget.settle(reservedUsd, 0);
    keys(r).forEach(k -> fail(k, null, "batch " + r.ref() + " " + why, retriable));
  }

  private static boolean tooLarge(LlmException e) {
    return e.status() == 413 || (e.status() == 400 && TOO_LARGE.matcher(e.getMessage()).find());
  }

  /** Sends the two halves of a batch the provider found too large, each recorded first. */
  private void split(BatchRecord r, LlmException why, boolean retry) {
    LOG.info(
        "Batch input {} ({} requests) refused as too large: sending it as two",
        r.ref(),
        r.requests());
    List<String> lines = lines(r, k -> true);
    record(r.in("split", 0, 0, 0.0, runId, Instant.now(), why.getMessage()));
    int half = lines.size() / 2;
    double perLine = r.worstCaseUsd() == null ? 0 : r.worstCaseUsd() / lines.size();
    for (List<String> part : List.of(lines.subList(0, half), lines.subList(half, lines.size()))) {
      Chunk c = new Chunk();
      part.forEach(line -> c.add(line, perLine));
      create(c.close(), retry);
    }
  }

  private Batch track(BatchRecord r, boolean retry) {
    Batch b = new Batch(r, nanos.getAsLong(), retry, worstCase(r));
    batches.put(r.ref(), b);
    return b;
  }

  // ---- waiting and collecting

  private void await(long start) {
    long deadline = start + settings.maxWait().toNanos();
    long wait = settings.firstPoll().toMillis();
    while (true) {
      for (Batch b : List.copyOf(batches.values())) {
        if (!b.collected) {
          poll(b);
        }
      }
      long left = (deadline - nanos.getAsLong()) / 1_000_000;
      if (batches.values().stream().allMatch(b -> b.collected) || left <= 0) {
        return;
      }
      sleeper.sleep(Math.max(1, Math.min(wait, left)));
      wait = Math.min(wait * 2, settings.maxPoll().toMillis());
    }
  }

  private void poll(Batch b) {
    try {
      BatchStatus s = api.status(b.record.batchId());
      if (!s.state().equals(b.record.state())) {
        b.record = record(b.record.with(s, runId, Instant.now()));
      }
      if (s.ended()) {
        collect(b, s);
      }
    } catch (LlmException e) {
      // polled again after the next wait; a batch never seen again stays open for the next run
      LOG.warn("Batch {}: {}", b.record.batchId(), e.getMessage());
    }
  }

  /**
   * Reads an ended batch's results into the cache and outcomes. A download cut short is read again
   * at the next poll, skipping the lines already taken.
   */
  private void collect(Batch b, BatchStatus s) {
    Set<String> keys = new LinkedHashSet<>(keys(b.record));
    Set<String> thisPass = new HashSet<>();
    long latency = (nanos.getAsLong() - b.since) / 1_000_000;
    try {
      api.results(
          s,
          line -> {
            String id = line.customId();
            if (id == null || !keys.contains(id)) {
              problems.accept(
                  line.where()
                      + ": "
                      + (id == null
                          ? line.error()
                          : "custom_id '" + id + "' was not sent in this batch")
                      + " (line ignored)");
              return;
            }
            if (!thisPass.add(id)) {
              problems.accept(
                  line.where() + ": custom_id '" + id + "' comes again (the first line is kept)");
              return;
            }
            if (!b.seen.add(id)) {
              return; // taken in an earlier pass over the same file
            }
            take(b, s, line, latency);
            if (b.toCommit.size() >= COMMIT_EVERY) {
              commit(b);
            }
          });
    } finally {
      commit(b); // what was read is kept, also when the download breaks off
    }
    for (String k : keys) {
      if (!b.seen.contains(k)) {
        b.toRetry.put(
            k,
            "batch "
                + s.id()
                + " ended "
                + s.state()
                + " without a line for this request"
                + (s.message() == null ? "" : " (" + s.message() + ")"));
      }
    }
    budget.settle(b.reservedUsd, b.costUsd);
    b.collected = true;
    b.endedAs = s.state();
    b.record =
        record(
            b.record.in(
                "collected",
                b.ok,
                b.bad + b.toRetry.size(),
                price.isPresent() ? b.costUsd : null,
                runId,
                Instant.now(),
                s.message()));
    if (b.toRetry.isEmpty()) {
      return;
    }
    if (settings.retry().equals("batch") && !b.retry) {
      resend(b);
    } else {
      b.toRetry.forEach((k, why) -> fail(k, s.id(), why, true));
    }
  }

  private void take(Batch b, BatchStatus s, BatchResult line, long latency) {
    if (!line.ok()) {
      if (line.retriable()) {
        b.toRetry.put(line.customId(), line.where() + ": " + line.error());
      } else {
        b.bad++;
        fail(line.customId(), s.id(), line.where() + ": " + line.error(), false);
      }
      return;
    }
    ChatResponse response = line.response();
    Double cost = price.map(p -> p.cost(response.usage())).orElse(null);
    // committed before it is counted, as a synchronous answer is
    b.toCommit.add(
        new CacheEntry(
            line.customId(),
            route.provider(),
            route.model(),
            route.name(),
            response,
            cost,
            latency,
            "batch:" + s.id(),
            runId,
            Instant.now()));
    b.committing.add(new Outcome(line.customId(), s.id(), response, cost, null, false, latency));
  }

  /** The answers taken so far made durable, then counted and reported. */
  private void commit(Batch b) {
    if (b.toCommit.isEmpty()) {
      return;
    }
    cache.accept(List.copyOf(b.toCommit));
    for (Outcome o : b.committing) {
      b.ok++;
      b.costUsd += o.costUsd() == null ? 0 : o.costUsd();
      spentUsd += o.costUsd() == null ? 0 : o.costUsd();
      answered++;
      outcomes.accept(o);
    }
    b.toCommit.clear();
    b.committing.clear();
  }

  /** The lines of {@code b} that failed retriably, sent once more as a batch of their own. */
  private void resend(Batch b) {
    LOG.info("Batch {}: sending {} failed lines again", b.record.batchId(), b.toRetry.size());
    double perLine =
        b.record.worstCaseUsd() == null ? 0 : b.record.worstCaseUsd() / b.record.requests();
    if (!budget.tryReserve(perLine * b.toRetry.size())) {
      b.toRetry.forEach(
          (k, why) -> fail(k, b.record.batchId(), why + "; no budget left to resend it", true));
      return;
    }
    Chunk c = new Chunk();
    lines(b.record, b.toRetry::containsKey).forEach(line -> c.add(line, perLine));
    create(c.close(), true);
  }

  private void fail(String key, String batchId, String why, boolean retriable) {
    failed++;
    this.retriable += retriable ? 1 : 0;
    outcomes.accept(new Outcome(key, batchId, null, null, why, retriable, 0));
  }

  // ---- the log and the input files

  private BatchRecord record(BatchRecord r) {
    log.record(r);
    return r;
  }

  private double worstCase(BatchRecord r) {
    return r.worstCaseUsd() == null ? 0 : r.worstCaseUsd();
  }

  /** The keys of a batch, in input order. */
  private List<String> keys(BatchRecord r) {
    List<String> keys = new ArrayList<>((int) r.requests());
    forEachLine(r, (key, line) -> keys.add(key));
    return keys;
  }

  /** The input lines of {@code r} whose key passes {@code which}. */
  private List<String> lines(BatchRecord r, Predicate<String> which) {
    List<String> out = new ArrayList<>();
    forEachLine(
        r,
        (key, line) -> {
          if (which.test(key)) {
            out.add(line);
          }
        });
    return out;
  }

  private void forEachLine(BatchRecord r, java.util.function.BiConsumer<String, String> each) {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(log.openInput(r.inputFile()), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.isBlank()) {
          each.accept(JSON.readTree(line).path("custom_id").asText(), line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read batch input " + r.inputFile(), e);
    }
  }
}
