package dev.batchlm.doc;

/** The outcome of extracting one input: a document's text and metadata, or a problem. */
public sealed interface Extraction {
  /** Normalized text, the detected media type and a title (from metadata, or the file name). */
  record Text(String text, String mimeType, String title) implements Extraction {}

  record Rejected(Problem problem) implements Extraction {}

  static Extraction rejected(Problem.ErrorClass errorClass, String message) {
    return new Rejected(new Problem(errorClass, message));
  }
}
