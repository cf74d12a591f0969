package dev.batchlm.llm;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What is sent to a model, provider-neutral: the messages, sampling parameters in OpenAI's names
 * ({@code temperature}, {@code top_p}, {@code max_tokens}, {@code seed}, {@code stop}, ...) and an
 * optional JSON schema the output must follow. Providers translate it to their wire format.
 */
public record ChatRequest(List<ChatMessage> messages, ObjectNode params, JsonNode responseSchema) {
  public ChatRequest {
    requireNonNull(messages, "messages");
    messages = List.copyOf(messages);
    params = params == null ? JsonNodeFactory.instance.objectNode() : params.deepCopy();
    responseSchema = responseSchema == null || responseSchema.isNull() ? null : responseSchema;
  }

  /** The most output tokens the request may produce, or {@code fallback} when unset. */
  public long maxTokens(long fallback) {
    JsonNode n = params.get("max_tokens");
    return n != null && n.canConvertToLong() ? n.asLong() : fallback;
  }

  /** The messages as a JSON array of {role, content}: the cache key's and OpenAI's form. */
  public ArrayNode messagesJson() {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (ChatMessage m : messages) {
      out.addObject().put("role", m.role()).put("content", m.content());
    }
    return out;
  }

  /** The characters of all messages: the basis of token estimates when no tokenizer is given. */
  public long chars() {
    return messages.stream().mapToLong(m -> m.content().length()).sum();
  }
}
