package dev.batchlm.finetune;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.llm.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The chat formats trainers use, read into messages and written from them: OpenAI's chat
 * fine-tuning lines ({@code {"messages": [{"role", "content"}]}}), ShareGPT ({@code
 * {"conversations": [{"from", "value"}]}}, {@code human}/{@code gpt}), and Alpaca ({@code
 * instruction}, optional {@code input}, {@code output}). A line's format is recognised by its keys.
 * A line that is none of them, or whose conversation a trainer could not use (no assistant turn, an
 * unknown role, empty text), is rejected with the reason; {@link BadLine} carries it to quarantine.
 */
public final class ChatFormats {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> SHAREGPT_ROLES =
      Map.of(
          "system", "system",
          "human", "user",
          "user", "user",
          "gpt", "assistant",
          "assistant", "assistant");

  private ChatFormats() {}

  /** A line no trainer could use, and why. */
  public static final class BadLine extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    BadLine(String reason) {
      super(reason);
    }
  }

  /** One JSON line in any of the three formats, as messages. */
  public static List<ChatMessage> read(String line) {
    JsonNode j;
    try {
      j = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new BadLine("not a JSON line: " + e.getOriginalMessage());
    }
    if (j == null || !j.isObject()) {
      throw new BadLine("not a JSON object");
    }
    List<ChatMessage> messages;
    if (j.has("messages")) {
      messages = turns(j.get("messages"), "messages", "role", "content", null);
    } else if (j.has("conversations")) {
      messages = turns(j.get("conversations"), "conversations", "from", "value", SHAREGPT_ROLES);
    } else if (j.has("instruction") && j.has("output")) {
      messages = alpaca(j);
    } else {
      throw new BadLine(
          "neither OpenAI chat (messages), ShareGPT (conversations) nor Alpaca (instruction,"
              + " output)");
    }
    if (messages.stream().noneMatch(m -> m.role().equals("assistant"))) {
      throw new BadLine("no assistant turn to learn from");
    }
    return messages;
  }

  private static List<ChatMessage> turns(
      JsonNode array, String field, String roleKey, String textKey, Map<String, String> roles) {
    if (!array.isArray() || array.isEmpty()) {
      throw new BadLine(field + " must be a non-empty array");
    }
    List<ChatMessage> out = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      JsonNode turn = array.get(i);
      String role = turn.path(roleKey).asText("");
      String mapped = roles == null ? role : roles.get(role);
      if (mapped == null || !List.of("system", "user", "assistant").contains(mapped)) {
        throw new BadLine(field + "[" + i + "]." + roleKey + " '" + role + "' is not a chat role");
      }
      if (!turn.path(textKey).isTextual() || turn.get(textKey).asText().isBlank()) {
        throw new BadLine(field + "[" + i + "]." + textKey + " is missing or empty");
      }
      out.add(new ChatMessage(mapped, turn.get(textKey).asText()));
    }
    return out;
  }

  private static List<ChatMessage> alpaca(JsonNode j) {
    String instruction = j.path("instruction").asText("");
    String output = j.path("output").asText("");
    if (instruction.isBlank() || output.isBlank()) {
      throw new BadLine("instruction and output must be non-empty text");
    }
    String input = j.path("input").asText("");
    String user = input.isBlank() ? instruction : instruction + "\n\n" + input;
    return List.of(ChatMessage.user(user), ChatMessage.assistant(output));
  }

  /** Messages from a JSON array of {@code {role, content}} (as tables hold them). */
  public static List<ChatMessage> fromArray(String json) {
    try {
      JsonNode array = JSON.readTree(json);
      if (array == null || !array.isArray() || array.isEmpty()) {
        throw new BadLine("messages must be a non-empty JSON array");
      }
      return turns(array, "messages", "role", "content", null);
    } catch (JsonProcessingException e) {
      throw new BadLine("messages are not JSON: " + e.getOriginalMessage());
    }
  }

  /** Messages as a JSON array of {@code {role, content}}. */
  public static String toArray(List<ChatMessage> messages) {
    ArrayNode array = JSON.createArrayNode();
    messages.forEach(m -> array.addObject().put("role", m.role()).put("content", m.content()));
    return array.toString();
  }

  /** The messages as an OpenAI chat fine-tuning line. */
  public static String openAi(List<ChatMessage> messages) {
    return "{\"messages\":" + toArray(messages) + "}";
  }

  /** The messages as a ShareGPT conversation object. */
  public static ObjectNode shareGpt(List<ChatMessage> messages) {
    ObjectNode conversation = JSON.createObjectNode();
    ArrayNode array = conversation.putArray("conversations");
    for (ChatMessage m : messages) {
      String from =
          switch (m.role()) {
            case "user" -> "human";
            case "assistant" -> "gpt";
            default -> m.role();
          };
      array.addObject().put("from", from).put("value", m.content());
    }
    return conversation;
  }
}
