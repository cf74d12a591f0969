package dev.batchlm.doc;

import java.io.Serializable;

/**
 * What ingest made of one source (a file, or a row of an input table). A document ({@code NEW},
 * {@code CHANGED}), a document whose content hash matches the previous run ({@code UNCHANGED}: not
 * extracted again, its text is taken from the previous snapshot), or a {@code QUARANTINED} input
 * with its error class and message. Serializable: these flow through Spark.
 */
public record IngestOutcome(
    String docId,
    String sourceUri,
    String contentSha256,
    Change change,
    String mimeType,
    String title,
    String text,
    String errorClass,
    String message,
    boolean reused)
    implements Serializable {

  public enum Change {
    NEW,
    CHANGED,
    UNCHANGED,
    QUARANTINED;

    public String code() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** NEW without a previous hash, UNCHANGED when equal to it, else CHANGED. */
  public static Change change(String sha, String previousSha) {
    if (previousSha == null) {
      return Change.NEW;
    }
    return sha.equals(previousSha) ? Change.UNCHANGED : Change.CHANGED;
  }

  public static IngestOutcome quarantined(String docId, String sourceUri, String sha, Problem p) {
    return new IngestOutcome(
        docId,
        sourceUri,
        sha,
        Change.QUARANTINED,
        null,
        null,
        null,
        p.errorClass().code(),
        p.message(),
        false);
  }
}
