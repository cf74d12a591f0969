package dev.batchlm.llm;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;

/** One message of a chat: role {@code system}, {@code user} or {@code assistant}, and its text. */
public record ChatMessage(String role, String content) implements Serializable {
  public ChatMessage {
    requireNonNull(role, "role");
    requireNonNull(content, "content");
  }

  public static ChatMessage system(String content) {
    return new ChatMessage("system", content);
  }

  public static ChatMessage user(String content) {
    return new ChatMessage("user", content);
  }

  public static ChatMessage assistant(String content) {
    return new ChatMessage("assistant", content);
  }
}
