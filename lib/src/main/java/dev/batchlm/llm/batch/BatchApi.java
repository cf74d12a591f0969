package dev.batchlm.llm.batch;

import dev.batchlm.llm.ChatRequest;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A provider's Batch API: requests sent as one file, answered within a window (24 hours) at a
 * discount. Implementations translate lines and states to and from their wire format; the life of a
 * batch (splitting, recording, polling, mapping answers back) lives in {@link
 * dev.batchlm.infer.BatchRunner}, written once. Every HTTP failure is an {@link
 * dev.batchlm.llm.LlmException}. Thread-safe.
 */
public interface BatchApi {
  /** One line of a batch input file: the request under its id. */
  String inputLine(String customId, ChatRequest request);

  /**
   * Sends an input file ({@code lines}: its lines, {@code bytes} long, opened as often as needed)
   * and starts the batch. {@code tag} labels it where the provider keeps labels, for {@link #find}.
   */
  BatchStatus create(Supplier<InputStream> lines, long bytes, int requests, String tag);

  BatchStatus status(String batchId);

  /** Asks the provider to stop; lines already answered are still in the results. */
  BatchStatus cancel(String batchId);

  /** Every line of an ended batch's output and error files, in the provider's order. */
  void results(BatchStatus ended, Consumer<BatchResult> line);

  /**
   * The batch created under {@code tag} at or after {@code createdAfterEpochSeconds} with {@code
   * requests} lines, if the provider can tell: a run killed between creating a batch and recording
   * its id adopts it instead of paying for it again.
   */
  Optional<BatchStatus> find(String tag, long createdAfterEpochSeconds, int requests);
}
