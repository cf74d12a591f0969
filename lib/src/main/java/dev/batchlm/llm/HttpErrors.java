package dev.batchlm.llm;

import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * The one place that maps HTTP statuses and transport failures to retriable or non-retriable {@link
 * LlmException}s, for every HTTP provider. Retriable: 408, 409, 425, 429, 5xx, timeouts, I/O errors
 * (reset or dropped connections), malformed or truncated bodies. Everything else in 4xx is not; a
 * 400 or 413 whose body says the prompt is too long is a {@link LlmException.ContextLength}.
 */
public final class HttpErrors {
  /** How OpenAI, vLLM, TGI, llama.cpp and Anthropic word a context-window overflow. */
  private static final java.util.regex.Pattern CONTEXT_LENGTH =
      java.util.regex.Pattern.compile(
          "context_length_exceeded|maximum context length|context length|context window"
              + "|prompt is too long|too many tokens|exceeds the model",
          java.util.regex.Pattern.CASE_INSENSITIVE);

  private HttpErrors() {}

  public static boolean retriableStatus(int status) {
    return status == 408 || status == 409 || status == 425 || status == 429 || status >= 500;
  }

  /** An error response: status, the start of its body (no headers, so no keys) and Retry-After. */
  public static LlmException fromStatus(
      String what, int status, String body, Optional<String> retryAfter) {
    String message =
        String.format(
            Locale.ROOT,
            "%s: HTTP %d%s",
            what,
            status,
            body == null || body.isBlank() ? "" : ": " + excerpt(body));
    if ((status == 400 || status == 413) && body != null && CONTEXT_LENGTH.matcher(body).find()) {
      return new LlmException.ContextLength(message, status, null);
    }
    if (retriableStatus(status)) {
      return new LlmException.Retriable(
          message, status, retryAfter.map(HttpErrors::retryAfterMillis).orElse(-1L), null);
    }
    return new LlmException.NonRetriable(message, status, null);
  }

  /** A failure before a status arrived (timeout, connection) or while reading the body. */
  public static LlmException fromTransport(String what, Throwable e) {
    String kind = e instanceof HttpTimeoutException ? "timed out" : e.getClass().getSimpleName();
    return new LlmException.Retriable(
        what + ": " + kind + (e.getMessage() == null ? "" : ": " + e.getMessage()), 0, -1, e);
  }

  /** A 2xx body that cannot be parsed: truncated or garbled in transit, so worth one more try. */
  public static LlmException malformed(String what, String body, Throwable e) {
    return new LlmException.Retriable(what + ": malformed response: " + excerpt(body), 200, -1, e);
  }

  /** Retry-After in seconds or as an HTTP date; -1 when unparsable. */
  static long retryAfterMillis(String header) {
    String h = header.trim();
    try {
      return (long) (Double.parseDouble(h) * 1000);
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
      } catch (DateTimeParseException e2) {
        return -1;
      }
    }
  }

  static String excerpt(String body) {
    if (body == null) {
      return "";
    }
    String oneLine = body.replaceAll("\\s+", " ").trim();
    return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
  }
}
