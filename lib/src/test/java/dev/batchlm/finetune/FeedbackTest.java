package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Feedback lines read in their usual spellings, and the selection policy on each kind. */
class FeedbackTest {
  @Test
  void ratingsThumbsAndCorrectionsAreRead() {
    Feedback up = Feedback.parse("{\"request_id\": \"r1\", \"rating\": \"up\"}", "fb.jsonl:1");
    assertThat(up.thumbsUp()).isTrue();
    assertThat(up.feedbackId()).as("no id: the file and line").isEqualTo("fb.jsonl:1");
    Feedback four =
        Feedback.parse(
            "{\"feedback_id\": \"f2\", \"request_id\": \"r2\", \"rating\": 4, \"created_at\":"
                + " \"2026-11-27T09:30:00Z\"}",
            "x");
    assertThat(four.rating()).isEqualTo(4);
    assertThat(four.createdAt().toInstant()).isEqualTo(Instant.parse("2026-11-27T09:30:00Z"));
    Feedback fixed =
        Feedback.parse(
            "{\"request_id\": \"r3\", \"corrected_answer\": \"Refunds take five days.\","
                + " \"created_at\": \"2026-11-27\"}",
            "x");
    assertThat(fixed.correctedAnswer()).isEqualTo("Refunds take five days.");
    assertThat(fixed.createdAt().toInstant()).isEqualTo(Instant.parse("2026-11-27T00:00:00Z"));
  }

  @Test
  void thePolicySelectsUpsHighRatingsAndCorrections() {
    assertThat(Feedback.of("f", "r", "up", null, null, null).rejects(4)).isEmpty();
    assertThat(Feedback.of("f", "r", "down", null, null, null).rejects(4)).contains("thumbs_down");
    assertThat(Feedback.of("f", "r", "4", null, null, null).rejects(4)).isEmpty();
    assertThat(Feedback.of("f", "r", "3", null, null, null).rejects(4)).contains("low_rating");
    assertThat(Feedback.of("f", "r", "1", "the right answer", null, null).rejects(4))
        .as("a correction always selects")
        .isEmpty();
  }

  @Test
  void unusableLinesSayWhy() {
    assertThatThrownBy(() -> Feedback.parse("{\"rating\": \"up\"}", "x"))
        .hasMessage("no request_id");
    assertThatThrownBy(() -> Feedback.parse("{\"request_id\": \"r\", \"rating\": 7}", "x"))
        .hasMessage("rating must be up, down or 1-5 (or give a corrected_answer), not '7'");
    assertThatThrownBy(
            () ->
                Feedback.parse(
                    "{\"request_id\": \"r\", \"rating\": 5, \"created_at\": \"yesterday\"}", "x"))
        .hasMessageContaining("created_at 'yesterday'");
    assertThatThrownBy(() -> Feedback.parse("not json", "x"))
        .hasMessageStartingWith("not a JSON line");
  }
}
