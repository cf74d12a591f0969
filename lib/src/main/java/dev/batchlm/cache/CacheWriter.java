package dev.batchlm.cache;

import dev.batchlm.table.LlmCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.OutputFile;

/**
 * Makes answers durable in {@code llm_cache} as they arrive, by group commit: {@link #put} returns
 * only when its entry is in a committed file, and background threads write everything queued
 * meanwhile as one small Parquet file each (written under a hidden {@code .name} and renamed into
 * place, so readers never see half a file). A caller holds its concurrency slot until then, so
 * answers the provider completed but the cache does not hold are never more than the calls in
 * flight — whatever kills the process. Thread-safe; one per task.
 */
public final class CacheWriter implements AutoCloseable {
  private final Path table;
  private final String prefix;
  private final Configuration conf;
  private final SimpleGroupFactory groups = new SimpleGroupFactory(LlmCache.PARQUET);
  private final List<Pending> queue = new ArrayList<>();
  private final List<Thread> writers = new ArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger files =
      new java.util.concurrent.atomic.AtomicInteger();
  private boolean closed;
  private final java.util.concurrent.atomic.AtomicLong written =
      new java.util.concurrent.atomic.AtomicLong();

  private record Pending(CacheEntry entry, CompletableFuture<Void> done) {}

  private static final int WRITERS = 4;

  /**
   * @param prefix unique per task and run, e.g. {@code <run_id>-<partition>-<attempt>}
   */
  public CacheWriter(Path table, String prefix, Configuration conf) {
    this.table = table;
    this.prefix = prefix;
    this.conf = conf;
    // A few writers, so that a batch waits for about one file write, not for a queue of them.
    for (int i = 0; i < WRITERS; i++) {
      Thread t = new Thread(this::loop, "llm-cache-writer-" + prefix + "-" + i);
      t.setDaemon(true);
      t.start();
      writers.add(t);
    }
  }

  /** Blocks until the entry is committed; throws when its file could not be written. */
  public void put(CacheEntry entry) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (queue) {
      if (closed) {
        throw new IllegalStateException("cache writer is closed");
      }
      queue.add(new Pending(entry, done));
      queue.notifyAll();
    }
    try {
      done.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof UncheckedIOException u ? u : e;
    }
  }

  /** Blocks until every entry is committed (one file for them all, unless a write is running). */
  public void putAll(List<CacheEntry> entries) {
    List<CompletableFuture<Void>> done = new ArrayList<>(entries.size());
    synchronized (queue) {
      if (closed) {
        throw new IllegalStateException("cache writer is closed");
      }
      for (CacheEntry e : entries) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        queue.add(new Pending(e, f));
        done.add(f);
      }
      queue.notifyAll();
    }
    try {
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof UncheckedIOException u ? u : e;
    }
  }

  private void loop() {
    while (true) {
      List<Pending> batch;
      synchronized (queue) {
        while (queue.isEmpty() && !closed) {
          try {
            queue.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
        if (queue.isEmpty()) {
          return;
        }
        batch = new ArrayList<>(queue);
        queue.clear();
      }
      try {
        write(batch);
        batch.forEach(p -> p.done().complete(null));
      } catch (IOException | RuntimeException e) {
        UncheckedIOException failure =
            new UncheckedIOException(
                "Cannot write llm_cache file under " + table + ": " + e.getMessage(),
                e instanceof IOException io ? io : new IOException(e));
        batch.forEach(p -> p.done().completeExceptionally(failure));
      }
    }
  }

  private void write(List<Pending> batch) throws IOException {
    String name =
        String.format(Locale.ROOT, "part-%s-%05d.zstd.parquet", prefix, files.getAndIncrement());
    Path hidden = new Path(table, "." + name + ".inprogress");
    Path done = new Path(table, name);
    FileSystem fs = table.getFileSystem(conf);
    ensureTable(fs);
    try (ParquetWriter<Group> out =
        ExampleParquetWriter.builder(outputFile(fs, hidden))
            .withType(LlmCache.PARQUET)
            .withCompressionCodec(CompressionCodecName.ZSTD)
            // small files: small buffers (the defaults allocate megabytes per column)
            .withPageSize(64 << 10)
            .withDictionaryPageSize(64 << 10)
            .withRowGroupSize(8L << 20)
            .withConf(conf)
            .build()) {
      for (Pending p : batch) {
        out.write(group(p.entry()));
      }
    }
    if (fs instanceof LocalFileSystem) {
      Files.move(local(fs, hidden), local(fs, done), StandardCopyOption.ATOMIC_MOVE);
    } else if (!fs.rename(hidden, done)) {
      throw new IOException("rename " + hidden + " -> " + done + " failed");
    }
    written.addAndGet(batch.size());
  }

  /**
   * On the local file system the file is written with java.nio: Hadoop's local file system sets
   * each new file's permission (and its checksum file's) by forking {@code chmod} when its native
   * library is absent, which costs more than writing the file.
   */
  private OutputFile outputFile(FileSystem fs, Path path) throws IOException {
    return fs instanceof LocalFileSystem
        ? new LocalOutputFile(local(fs, path))
        : HadoopOutputFile.fromPath(path, conf);
  }

  private static java.nio.file.Path local(FileSystem fs, Path path) {
    return ((LocalFileSystem) fs).pathToFile(path).toPath();
  }

  private boolean tableExists;

  /** Once: on a local file system without Hadoop's native library, mkdirs forks processes. */
  private synchronized void ensureTable(FileSystem fs) throws IOException {
    if (!tableExists) {
      fs.mkdirs(table);
      tableExists = true;
    }
  }

  private Group group(CacheEntry e) {
    Group g =
        groups
            .newGroup()
            .append(LlmCache.CACHE_KEY, e.cacheKey())
            .append(LlmCache.PROVIDER, e.provider())
            .append(LlmCache.MODEL, e.model())
            .append(LlmCache.ROUTE, e.route())
            .append(LlmCache.OUTPUT_TEXT, e.response().text())
            .append(LlmCache.FINISH_REASON, e.response().finishReason())
            .append(LlmCache.RESPONSE, e.response().raw())
            .append(LlmCache.INPUT_TOKENS, e.response().usage().input())
            .append(LlmCache.OUTPUT_TOKENS, e.response().usage().output())
            .append(LlmCache.CACHED_TOKENS, e.response().usage().cachedInput())
            .append(LlmCache.REASONING_TOKENS, e.response().usage().reasoning());
    if (e.costUsd() != null) {
      g.append(LlmCache.COST_USD, e.costUsd());
    }
    long micros = e.createdAt().getEpochSecond() * 1_000_000 + e.createdAt().getNano() / 1_000;
    return g.append(LlmCache.LATENCY_MS, e.latencyMillis())
        .append(LlmCache.REQUEST_ID, e.requestId())
        .append(LlmCache.RUN_ID, e.runId())
        .append(LlmCache.CREATED_AT, micros);
  }

  /** Entries committed so far. */
  public long written() {
    return written.get();
  }

  /** Commits what is queued and stops the writer thread. */
  @Override
  public void close() {
    synchronized (queue) {
      closed = true;
      queue.notifyAll();
    }
    for (Thread t : writers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
