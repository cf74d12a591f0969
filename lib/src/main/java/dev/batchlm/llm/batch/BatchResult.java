package dev.batchlm.llm.batch;

import dev.batchlm.llm.ChatResponse;

/**
 * One line of a batch's results: the answer to {@code customId}, or why there is none ({@code
 * retriable}: the same request may succeed when sent again, as for expired, cancelled and
 * server-failed lines). {@code error} also names a line that could not be read ({@code customId}
 * null). {@code where}: the batch, file and line number, for messages.
 */
public record BatchResult(
    String customId, ChatResponse response, String error, boolean retriable, String where) {
  public static BatchResult answered(String customId, ChatResponse response, String where) {
    return new BatchResult(customId, response, null, false, where);
  }

  public static BatchResult failed(String customId, String error, boolean retriable, String where) {
    return new BatchResult(customId, null, error, retriable, where);
  }

  public boolean ok() {
    return response != null;
  }
}
