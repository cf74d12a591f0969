package dev.batchlm.bench;

import dev.batchlm.chunk.Chunker;
import dev.batchlm.chunk.Chunkers;
import dev.batchlm.tokenizer.HfTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;

/**
 * Chunking throughput on one thread (so MB/s is per core), on documents made from the sample
 * corpus's text. Measures, in the same run: a bare pass over the code points (memory-bound floor),
 * the recursive chunker in character mode, the bare tokenizer, and the token-window chunker (which
 * also recounts each chunk's tokens exactly). Usage: ChunkingBench CORPUS_DIR TOKENIZER_JSON [MB]
 */
public final class ChunkingBench {
  private ChunkingBench() {}

  public static void main(String[] args) throws Exception {
    Path corpus = Path.of(args[0]);
    Path tokenizerJson = Path.of(args[1]);
    int megabytes = args.length > 2 ? Integer.parseInt(args[2]) : 32;

    List<String> docs = documents(corpus, megabytes);
    long bytes = docs.stream().mapToLong(d -> d.getBytes(StandardCharsets.UTF_8).length).sum();
    System.out.printf(
        Locale.ROOT,
        "%d documents, %.1f MB UTF-8, Java %s, %d cores%n",
        docs.size(),
        bytes / 1e6,
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());

    Chunker recursive = Chunkers.recursive(1000, 200);
    double scan =
        measure("baseline: codePoints().count()", docs, bytes, d -> d.codePoints().count());
    double chars =
        measure("recursive chars (1000/200)", docs, bytes, d -> recursive.chunk(d).size());
    try (HfTokenizer tokenizer = HfTokenizer.fromFile(tokenizerJson)) {
      Chunker windows = Chunkers.tokens(256, 32, tokenizer);
      double bare =
          measure("baseline: bare tokenizer (ids)", docs, bytes, d -> tokenizer.ids(d).length);
      double tokens =
          measure("tokens (256/32), exact token_count", docs, bytes, d -> windows.chunk(d).size());
      System.out.printf(
          Locale.ROOT,
          "recursive chars: %.0f MB/s per core (%.2fx the code point scan)%n",
          chars,
          chars / scan);
      System.out.printf(Locale.ROOT, "tokens: %.2fx the bare tokenizer%n", tokens / bare);
    }
  }

  /** Sample text files, concatenated into documents of about 200 KB, repeated up to the size. */
  static List<String> documents(Path corpus, int megabytes) throws Exception {
    StringBuilder all = new StringBuilder();
    try (var files = Files.walk(corpus)) {
      for (Path f : files.filter(p -> p.toString().matches(".*\\.(md|txt)$")).sorted().toList()) {
        all.append(Files.readString(f)).append("\n\n");
      }
    }
    List<String> docs = new ArrayList<>();
    long size = 0;
    StringBuilder doc = new StringBuilder();
    while (size < megabytes * 1_000_000L) {
      doc.append(all);
      if (doc.length() > 200_000) {
        docs.add(doc.toString());
        size += doc.length();
        doc.setLength(0);
      }
    }
    return docs;
  }

  /** Median MB/s of 5 timed passes after 2 warm-up passes. */
  static double measure(String name, List<String> docs, long bytes, ToLongFunction<String> work) {
    double[] rates = new double[7];
    long sink = 0;
    for (int i = 0; i < rates.length; i++) {
      long t0 = System.nanoTime();
      for (String d : docs) {
        sink += work.applyAsLong(d);
      }
      rates[i] = bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
    }
    double[] timed = Arrays.copyOfRange(rates, 2, rates.length);
    Arrays.sort(timed);
    System.out.printf(
        Locale.ROOT,
        "%-38s %8.1f MB/s (min %.1f, max %.1f) [%d]%n",
        name,
        timed[2],
        timed[0],
        timed[4],
        sink);
    return timed[2];
  }
}
