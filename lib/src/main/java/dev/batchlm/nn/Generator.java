package dev.batchlm.nn;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Generates continuations of prompts with a {@link LlamaDecoder}, batching whatever callers ask for
 * at the same time (continuous batching): one worker thread owns a {@link LlamaDecoder.KvCache} of
 * {@code slots} sequences; a new prompt is prefilled into a free slot as soon as one opens, and
 * every step decodes one token for all busy slots together, so the weights are read once per step
 * for the whole batch. Each sequence stops at a stop token, a stop condition on its tokens, {@code
 * maxTokens} or the end of its slot; the finish reason is in OpenAI's words and token counts are
 * exact. Each request samples with its own {@link Sampler}, and a row's logits do not depend on the
 * other rows, so an answer does not depend on its batch. Thread-safe: {@link #generate} blocks its
 * caller until its sequence is done.
 */
public final class Generator implements AutoCloseable {
  private final LlamaDecoder decoder;
  private final int slots;
  private final int maxLength;
  private final BlockingQueue<Sequence> waiting = new LinkedBlockingQueue<>();
  private final Thread worker;
  private final AtomicLong steps = new AtomicLong();
  private final AtomicLong stepRows = new AtomicLong();

  /**
   * What was generated: the new tokens, why it stopped, the prompt's and the answer's lengths, and
   * the sequence's share of device time (its prefill, plus each decoding step's time divided among
   * the sequences in that step), so batched requests are not each charged the whole step.
   */
  public record Output(int[] tokens, String finishReason, int promptTokens, long deviceNanos) {
    public int completionTokens() {
      return tokens.length;
    }
  }

  /** A generator whose sequences may fill the model's whole context window. */
  public Generator(LlamaDecoder decoder, int slots) {
    this(decoder, slots, decoder.config().maxPositions());
  }

  /**
   * @param slots sequences decoded together at most
   * @param maxLength tokens per sequence, prompt included (capped by the context window)
   */
  public Generator(LlamaDecoder decoder, int slots, int maxLength) {
    if (slots < 1) {
      throw new IllegalArgumentException("slots must be at least 1, got " + slots);
    }
    this.decoder = decoder;
    this.slots = slots;
    this.maxLength = Math.min(maxLength, decoder.config().maxPositions());
    // ND4J binds devices per thread: the worker computes on the device the weights were loaded on
    int device = Nd4j.getAffinityManager().getDeviceForCurrentThread();
    this.worker =
        new Thread(
            () -> {
              if (Nd4j.getAffinityManager().getNumberOfDevices() > 1) {
                Nd4j.getAffinityManager().unsafeSetDevice(device);
              }
              run();
            },
            "generator");
    worker.setDaemon(true);
    worker.start();
  }

  /** Tokens per sequence, prompt included. */
  public int maxLength() {
    return maxLength;
  }

  /**
   * @param stopTokens end-of-sequence ids (not part of the output)
   * @param stopAfter given the tokens generated so far, whether a stop string has appeared (checked
   *     after each token; the caller trims the text)
   * @throws IllegalArgumentException when the prompt alone fills a sequence's length
   */
  public Output generate(
      int[] prompt,
      int maxTokens,
      Sampler.Settings sampling,
      Set<Integer> stopTokens,
      Predicate<int[]> stopAfter) {
    if (prompt.length == 0 || prompt.length >= maxLength) {
      throw new IllegalArgumentException(
          "a prompt of "
              + prompt.length
              + " tokens does not fit the context window of "
              + maxLength
              + " tokens");
    }
    int budget = Math.min(maxTokens, maxLength - prompt.length);
    Sequence s = new Sequence(prompt, budget, new Sampler(sampling), stopTokens, stopAfter);
    waiting.add(s);
    try {
      return s.result.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** Sequences per decoding step so far, on average (how much batching happened). */
  public double meanBatch() {
    long n = steps.get();
    return n == 0 ? 0 : (double) stepRows.get() / n;
  }

  @Override
  public void close() {
    worker.interrupt();
  }

  /** One request in flight: its tokens so far and the one to feed next. */
  private static final class Sequence {
    final int[] prompt;
    final int[] out;
    final Sampler sampler;
    final Set<Integer> stopTokens;
    final Predicate<int[]> stopAfter;
    final CompletableFuture<Output> result = new CompletableFuture<>();
    int n;
    long deviceNanos;

    Sequence(
        int[] prompt,
        int budget,
        Sampler sampler,
        Set<Integer> stopTokens,
        Predicate<int[]> stopAfter) {
      this.prompt = prompt;
      this.out = new int[budget];
      this.sampler = sampler;
      this.stopTokens = stopTokens;
      this.stopAfter = stopAfter;
    }

    /** Samples the next token from {@code logits}; true when the sequence is finished. */
    boolean accept(float[] logits) {
      int next = sampler.next(logits);
      if (stopTokens.contains(next)) {
        return finish("stop");
      }
      out[n++] = next;
      if (stopAfter.test(Arrays.copyOf(out, n))) {
        return finish("stop");
      }
      return n == out.length && finish("length");
    }

    int last() {
      return out[n - 1];
    }

    private boolean finish(String reason) {
      result.complete(new Output(Arrays.copyOf(out, n), reason, prompt.length, deviceNanos));
      return true;
    }
  }

  private void run() {
    LlamaDecoder.KvCache cache = decoder.newCache(slots, maxLength);
    Sequence[] busy = new Sequence[slots];
    try {
      while (true) {
        admit(busy, cache);
        int rows = 0; // slots 0 .. rows-1 take part in the step: idle ones in between compute waste
        for (int s = 0; s < slots; s++) {
          if (busy[s] != null) {
            rows = s + 1;
          }
        }
        if (rows > 0) {
          step(busy, rows, cache);
        }
      }
    } catch (InterruptedException e) { // closed: nobody waits forever
      Thread.currentThread().interrupt();
      IllegalStateException closed = new IllegalStateException("the generator was closed");
      Arrays.stream(busy)
          .filter(q -> q != null)
          .forEach(q -> q.result.completeExceptionally(closed));
      waiting.forEach(q -> q.result.completeExceptionally(closed));
    }
  }

  /** Fills free slots from the queue, waiting when nothing is running; prefills each prompt. */
  private void admit(Sequence[] busy, LlamaDecoder.KvCache cache) throws InterruptedException {
    boolean idle = Arrays.stream(busy).allMatch(s -> s == null);
    for (int slot = 0; slot < slots; slot++) {
      if (busy[slot] != null) {
        continue;
      }
      Sequence s = idle ? waiting.take() : waiting.poll();
      if (s == null) {
        return;
      }
      idle = false;
      try {
        cache.clear(slot);
        long start = System.nanoTime();
        int[] prompt = s.prompt;
        int into = slot;
        float[] logits =
            Scratch.run(
                "decoder",
                () -> decoder.lastLogits(new int[][] {prompt}, into, cache).toFloatVector());
        s.deviceNanos += System.nanoTime() - start;
        if (!s.accept(logits)) {
          busy[slot] = s;
        }
      } catch (RuntimeException | Error e) { // fail the callers, never the worker
        s.result.completeExceptionally(e);
      }
    }
  }

  /** One token for every busy slot below {@code rows}; idle slots there decode a dummy token. */
  private void step(Sequence[] busy, int rows, LlamaDecoder.KvCache cache) {
    int[][] ids = new int[rows][1];
    for (int s = 0; s < rows; s++) {
      if (busy[s] == null) {
        cache.clear(s);
      } else {
        ids[s][0] = busy[s].last();
      }
    }
    try {
      long start = System.nanoTime();
      float[][] logits =
          Scratch.run("decoder", () -> decoder.lastLogits(ids, 0, cache).toFloatMatrix());
      long busyRows = Arrays.stream(busy).filter(q -> q != null).count();
      long share = (System.nanoTime() - start) / busyRows;
      steps.incrementAndGet();
      stepRows.addAndGet(busyRows);
      for (int s = 0; s < rows; s++) {
        if (busy[s] != null) {
          busy[s].deviceNanos += share;
          if (busy[s].accept(logits[s])) {
            busy[s] = null;
          }
        }
      }
    } catch (RuntimeException | Error e) { // fail the callers, never the worker
      for (int s = 0; s < rows; s++) {
        if (busy[s] != null) {
          busy[s].result.completeExceptionally(e);
          busy[s] = null;
        }
      }
    }
  }
}
