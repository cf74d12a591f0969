package dev.batchlm.doc;

import static java.util.Objects.requireNonNull;

/**
 * Why an input was not turned into a document: an error class from a fixed vocabulary (the {@code
 * quarantine.error_class} column) and a message that says what is wrong and what to do.
 */
public record Problem(ErrorClass errorClass, String message) {
  public Problem {
    requireNonNull(errorClass, "errorClass");
    requireNonNull(message, "message");
  }

  /** The values of {@code quarantine.error_class}; documented in docs/tables.md. */
  public enum ErrorClass {
    UNREADABLE,
    EMPTY,
    TOO_LARGE,
    ENCRYPTED,
    CORRUPT,
    UNSUPPORTED_TYPE,
    UNDECODABLE,
    MISSING_VALUE,
    DUPLICATE_ID,
    CHUNKING_FAILED,
    EMBEDDING_FAILED,
    MALFORMED_REQUEST,
    MALFORMED_FEEDBACK,
    MALFORMED_EXAMPLE,
    BATCH_RESULT_UNMATCHED;

    public String code() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
