package dev.batchlm.llm;

import static java.util.Objects.requireNonNull;

/**
 * A model's answer: the text, why it stopped ({@code stop}, {@code length}, {@code tool_calls}, ...
 * in OpenAI's words), the usage, and the provider's raw response body (kept in the cache).
 */
public record ChatResponse(String text, String finishReason, TokenUsage usage, String raw) {
  public ChatResponse {
    requireNonNull(text, "text");
    finishReason = finishReason == null ? "" : finishReason;
    usage = usage == null ? TokenUsage.ZERO : usage;
    raw = raw == null ? "" : raw;
  }
}
