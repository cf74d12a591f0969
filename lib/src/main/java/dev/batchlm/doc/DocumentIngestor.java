package dev.batchlm.doc;

import dev.batchlm.doc.IngestOutcome.Change;
import dev.batchlm.doc.Problem.ErrorClass;
import java.io.IOException;
import java.util.Locale;

/**
 * Turns one file or one table row into an {@link IngestOutcome}: size limit, content hash,
 * comparison with the previous run's hash, extraction. Never throws for bad input. Thread-safe.
 */
public final class DocumentIngestor {
  private final TextExtractor extractor;
  private final long maxFileBytes;
  private final int maxChars;

  /** Reads a file's bytes; may fail with an I/O error (missing, unreadable). */
  public interface Bytes {
    byte[] read() throws IOException;
  }

  public DocumentIngestor(TextExtractor extractor, long maxFileBytes, int maxChars) {
    this.extractor = extractor;
    this.maxFileBytes = maxFileBytes;
    this.maxChars = maxChars;
  }

  /**
   * @param previousSha the content hash this doc id had in the previous run date's snapshot, or
   *     null
   * @param sameDateSha its hash in this run date's snapshot from an earlier run, or null
   */
  public IngestOutcome file(
      String docId, String uri, long size, Bytes bytes, String previousSha, String sameDateSha) {
    if (size > maxFileBytes) {
      return IngestOutcome.quarantined(
          docId,
          uri,
          null,
          new Problem(
              ErrorClass.TOO_LARGE,
              String.format(
                  Locale.ROOT,
                  "file is %,d bytes, over ingest.max-file-bytes=%,d: raise the limit or split it",
                  size,
                  maxFileBytes)));
    }
    byte[] content;
    try {
      content = bytes.read();
    } catch (IOException | RuntimeException e) {
      return IngestOutcome.quarantined(
          docId,
          uri,
          null,
          new Problem(
              ErrorClass.UNREADABLE,
              "cannot read: " + e.getClass().getSimpleName() + ": " + e.getMessage()));
    }
    String sha = ContentHash.sha256(content);
    Change change = IngestOutcome.change(sha, previousSha);
    if (sha.equals(previousSha) || sha.equals(sameDateSha)) {
      return new IngestOutcome(docId, uri, sha, change, null, null, null, null, null, true);
    }
    Extraction extraction = extractor.extract(content, uri);
    if (extraction instanceof Extraction.Rejected r) {
      return IngestOutcome.quarantined(docId, uri, sha, r.problem());
    }
    Extraction.Text t = (Extraction.Text) extraction;
    return new IngestOutcome(
        docId, uri, sha, change, t.mimeType(), t.title(), t.text(), null, null, false);
  }

  /** A row of an input table; its content hash is that of the normalized text. */
  public IngestOutcome row(
      String docId, String source, String text, String title, String previousSha) {
    if (docId == null || docId.isBlank()) {
      return IngestOutcome.quarantined(
          null, source, null, new Problem(ErrorClass.MISSING_VALUE, "row has no id: set an id"));
    }
    if (text == null) {
      return IngestOutcome.quarantined(
          docId, source, null, new Problem(ErrorClass.MISSING_VALUE, "row has no text (null)"));
    }
    String normalized = TextNormalizer.normalize(text).strip();
    if (normalized.isEmpty()) {
      return IngestOutcome.quarantined(
          docId, source, null, new Problem(ErrorClass.EMPTY, "text is empty or only whitespace"));
    }
    if (normalized.length() > maxChars) {
      return IngestOutcome.quarantined(
          docId,
          source,
          null,
          new Problem(
              ErrorClass.TOO_LARGE,
              "text longer than ingest.max-chars=" + maxChars + ": raise the limit or split it"));
    }
    String sha = ContentHash.sha256(normalized);
    Change change = IngestOutcome.change(sha, previousSha);
    return new IngestOutcome(
        docId, source, sha, change, "text/plain", title, normalized, null, null, false);
  }
}
