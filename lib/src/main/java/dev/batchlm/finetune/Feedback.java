package dev.batchlm.finetune;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * A user's feedback on one answer: thumbs up or down, or a 1-5 rating, and perhaps the answer they
 * would have wanted. {@link #selects} is the policy: a corrected answer always makes an example (it
 * replaces the model's), a thumbs up does, a rating does at or above the minimum.
 */
public record Feedback(
    String feedbackId,
    String requestId,
    Integer rating,
    Boolean thumbsUp,
    String correctedAnswer,
    String labelerId,
    Timestamp createdAt)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Why the feedback does not select its answer ({@code thumbs_down}, {@code low_rating}). */
  public Optional<String> rejects(int minRating) {
    if (correctedAnswer != null) {
      return Optional.empty();
    }
    if (thumbsUp != null) {
      return thumbsUp ? Optional.empty() : Optional.of("thumbs_down");
    }
    return rating >= minRating ? Optional.empty() : Optional.of("low_rating");
  }

  /**
   * One JSONL line; {@code fallbackId} (the file and line) names feedback that has no id. A line
   * that is not usable feedback throws {@link ChatFormats.BadLine} with the reason.
   */
  public static Feedback parse(String line, String fallbackId) {
    JsonNode j;
    try {
      j = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new ChatFormats.BadLine("not a JSON line: " + e.getOriginalMessage());
    }
    if (j == null || !j.isObject()) {
      throw new ChatFormats.BadLine("not a JSON object");
    }
    String requestId = text(j, "request_id");
    if (requestId == null) {
      throw new ChatFormats.BadLine("no request_id");
    }
    return of(
        Optional.ofNullable(text(j, "feedback_id")).orElse(fallbackId),
        requestId,
        j.has("rating") && !j.get("rating").isNull() ? j.get("rating").asText() : null,
        text(j, "corrected_answer"),
        text(j, "labeler_id"),
        text(j, "created_at"));
  }

  /** Feedback from its fields as read (a Parquet row's, or a JSON line's). */
  public static Feedback of(
      String feedbackId,
      String requestId,
      String rating,
      String correctedAnswer,
      String labelerId,
      String createdAt) {
    Integer score = null;
    Boolean up = null;
    String r = rating == null ? "" : rating.strip().toLowerCase(Locale.ROOT);
    switch (r) {
      case "up", "thumbs_up", "true", "+1" -> up = true;
      case "down", "thumbs_down", "false", "-1" -> up = false;
      case "1", "2", "3", "4", "5" -> score = Integer.parseInt(r);
      default -> {
        if (correctedAnswer == null || correctedAnswer.isBlank()) {
          throw new ChatFormats.BadLine(
              "rating must be up, down or 1-5 (or give a corrected_answer), not '" + rating + "'");
        }
      }
    }
    return new Feedback(
        feedbackId,
        requestId,
        score,
        up,
        correctedAnswer == null || correctedAnswer.isBlank() ? null : correctedAnswer,
        labelerId,
        timestamp(createdAt));
  }

  private static String text(JsonNode j, String field) {
    JsonNode v = j.get(field);
    return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
  }

  private static Timestamp timestamp(String value) {
    if (value == null) {
      return null;
    }
    try {
      return Timestamp.from(Instant.parse(value));
    } catch (DateTimeParseException e) {
      try {
        return Timestamp.from(LocalDate.parse(value).atStartOfDay().toInstant(ZoneOffset.UTC));
      } catch (DateTimeParseException e2) {
        throw new ChatFormats.BadLine(
            "created_at '" + value + "' is neither an ISO instant nor a date");
      }
    }
  }
}
