package dev.batchlm.pipeline.eval;

import dev.batchlm.spark.RecordRows;
import java.io.Serializable;
import java.util.List;

/**
 * An example as eval scores it: an answer (id, answering system, output) joined to its reference
 * answers, question and tags. Either side may be missing: an answer without a reference, or a
 * reference no system answered ({@code system} null); both are counted in the coverage, not scored.
 */
record Answered(
    String id, String system, String output, List<String> refs, String question, List<String> tags)
    implements Serializable {
  static final RecordRows<Answered> ROWS = RecordRows.of(Answered.class);
  static final String ID = "id";
  static final String SYSTEM = "system";
  static final String OUTPUT = "output";
  static final String REFS = "refs";
  static final String QUESTION = "question";
  static final String TAGS = "tags";

  /** An answer with an output and references: what the metrics score. */
  boolean scorable() {
    return output != null && refs != null;
  }
}
