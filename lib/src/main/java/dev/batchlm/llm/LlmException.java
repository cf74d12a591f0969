package dev.batchlm.llm;

/**
 * The root of every provider failure (chat, embeddings). {@link Retriable} failures may succeed
 * when the same request is sent again (rate limits, server errors, timeouts, dropped connections,
 * truncated bodies); {@link NonRetriable} ones will not (bad request, authentication, unknown
 * model). Messages never contain secrets: API keys travel only in headers.
 */
public class LlmException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public LlmException(String message, int status, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status, or 0 for a transport failure. */
  public int status() {
    return status;
  }

  /** Worth retrying; {@link #retryAfterMillis()} is the server's requested wait, or -1. */
  public static final class Retriable extends LlmException {
    private static final long serialVersionUID = 1L;
    private final long retryAfterMillis;

    public Retriable(String message, int status, long retryAfterMillis, Throwable cause) {
      super(message, status, cause);
      this.retryAfterMillis = retryAfterMillis;
    }

    public long retryAfterMillis() {
      return retryAfterMillis;
    }
  }

  /** Sending the same request again cannot help. */
  public static class NonRetriable extends LlmException {
    private static final long serialVersionUID = 1L;

    public NonRetriable(String message, int status, Throwable cause) {
      super(message, status, cause);
    }
  }

  /**
   * The prompt (plus the requested output) does not fit the model's context window: the same
   * request cannot succeed on this route, but may on a route with a longer context.
   */
  public static final class ContextLength extends NonRetriable {
    private static final long serialVersionUID = 1L;

    public ContextLength(String message, int status, Throwable cause) {
      super(message, status, cause);
    }
  }
}
