package dev.batchlm.llm;

import static java.util.Objects.requireNonNull;

/**
 * A model's answer: the text, why it stopped ({@code stop}, {@code length}, {@code tool_calls}, ...
 * in OpenAI's words), the usage, the provider's raw response body (kept in the cache), and for a
 * model run in this JVM the answer's share of device time in milliseconds (0 for remote providers).
 */
public record ChatResponse(
    String text, String finishReason, TokenUsage usage, String raw, double deviceMillis) {
  public ChatResponse {
    requireNonNull(text, "text");
    finishReason = finishReason == null ? "" : finishReason;
    usage = usage == null ? TokenUsage.ZERO : usage;
    raw = raw == null ? "" : raw;
  }

  public ChatResponse(String text, String finishReason, TokenUsage usage, String raw) {
    this(text, finishReason, usage, raw, 0);
  }
}
