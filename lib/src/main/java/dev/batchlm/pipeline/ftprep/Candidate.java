package dev.batchlm.pipeline.ftprep;

import dev.batchlm.spark.RecordRows;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.List;

/**
 * An example on its way through ft-prep: where it came from (a request and its feedback, or a
 * dataset's file and line), the conversation as a JSON array of messages, and, once a stage drops
 * it, why ({@code dropped}: the reason the report counts).
 */
record Candidate(
    String exampleId,
    String source,
    String requestId,
    String feedbackId,
    String promptVersion,
    String model,
    String sourceFile,
    Long sourceLine,
    String messages,
    Integer rating,
    boolean corrected,
    Timestamp createdAt,
    List<String> piiKinds,
    String dropped)
    implements Serializable {
  static final RecordRows<Candidate> ROWS = RecordRows.of(Candidate.class);

  /**
   * The candidate after the filters: its messages as masked, what was masked, why it was dropped.
   */
  Candidate filtered(String maskedMessages, List<String> kinds, String reason) {
    return new Candidate(
        exampleId,
        source,
        requestId,
        feedbackId,
        promptVersion,
        model,
        sourceFile,
        sourceLine,
        maskedMessages,
        rating,
        corrected,
        createdAt,
        kinds,
        reason);
  }
}
