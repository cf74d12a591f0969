package dev.batchlm.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST {base}/messages} of Anthropic's Messages API (version header {@code 2023-06-01}).
 * System messages go to {@code system}; {@code max_tokens} is required there, so a request without
 * one gets {@code defaultMaxTokens}; {@code stop} becomes {@code stop_sequences}; parameters the
 * API does not know are not sent. A response schema is stated in the system prompt (the API has no
 * response_format) and enforced by output validation. Stop reasons are reported in OpenAI's words.
 */
public final class AnthropicChatModel implements ChatModel {
  public static final String FAMILY = "anthropic";
  private static final List<String> PASSED = List.of("temperature", "top_p", "top_k", "metadata");

  private final String base;
  private final URI endpoint;
  private final String model;
  private final long defaultMaxTokens;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private final HttpJson http;

  /**
   * @param baseUrl e.g. {@code https://api.anthropic.com/v1}
   */
  public AnthropicChatModel(
      String baseUrl,
      String model,
      String apiKey,
      Map<String, String> extraHeaders,
      long defaultMaxTokens,
      Duration timeout) {
    this.base = baseUrl.replaceAll("/+$", "");
    this.endpoint = URI.create(base + "/messages");
    this.model = model;
    this.defaultMaxTokens = defaultMaxTokens;
    headers.put("anthropic-version", "2023-06-01");
    headers.putAll(extraHeaders);
    headers.put("x-api-key", apiKey);
    this.http = new HttpJson(timeout);
  }

  /** The base URL (no trailing slash), for this provider's batch API. */
  public String base() {
    return base;
  }

  /** The headers every call sends (the key among them), for this provider's batch API. */
  public Map<String, String> headers() {
    return java.util.Collections.unmodifiableMap(headers);
  }

  @Override
  public String family() {
    return FAMILY;
  }

  @Override
  public String model() {
    return model;
  }

  @Override
  public ChatResponse chat(ChatRequest request) {
    String what = "POST " + endpoint + " (model " + model + ")";
    return response(http.post(endpoint, headers, body(request), what), what);
  }

  /** The request body of {@code POST /messages}: also a message batch request's params. */
  public ObjectNode body(ChatRequest request) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("model", model);
    body.put("max_tokens", request.maxTokens(defaultMaxTokens));
    StringBuilder system = new StringBuilder();
    ArrayNode messages = body.putArray("messages");
    for (ChatMessage m : request.messages()) {
      if (m.role().equals("system")) {
        system.append(system.length() == 0 ? "" : "\n\n").append(m.content());
      } else {
        messages.addObject().put("role", m.role()).put("content", m.content());
      }
    }
    if (request.responseSchema() != null) {
      system
          .append(system.length() == 0 ? "" : "\n\n")
          .append("Reply with one JSON value only, valid against this JSON Schema:\n")
          .append(request.responseSchema());
    }
    if (system.length() > 0) {
      body.put("system", system.toString());
    }
    for (String p : PASSED) {
      if (request.params().has(p)) {
        body.set(p, request.params().get(p));
      }
    }
    JsonNode stop = request.params().get("stop");
    if (stop != null && !stop.isNull()) {
      body.set(
          "stop_sequences",
          stop.isArray() ? stop : JsonNodeFactory.instance.arrayNode().add(stop.asText()));
    }
    return body;
  }

  /** A Messages answer (synchronous, or a batch result's message); {@code what} names it. */
  public static ChatResponse response(JsonNode answer, String what) {
    JsonNode content = answer.path("content");
    if (!content.isArray()) {
      throw HttpErrors.malformed(what, answer.toString(), null);
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode block : content) {
      if (block.path("type").asText().equals("text")) {
        text.append(block.path("text").asText(""));
      }
    }
    JsonNode usage = answer.path("usage");
    long cacheRead = usage.path("cache_read_input_tokens").asLong(0);
    return new ChatResponse(
        text.toString(),
        finishReason(answer.path("stop_reason").asText("")),
        new TokenUsage(
            usage.path("input_tokens").asLong(0)
                + cacheRead
                + usage.path("cache_creation_input_tokens").asLong(0),
            usage.path("output_tokens").asLong(0),
            cacheRead,
            0),
        answer.toString());
  }

  private static String finishReason(String stopReason) {
    return switch (stopReason) {
      case "end_turn", "stop_sequence" -> "stop";
      case "max_tokens" -> "length";
      case "tool_use" -> "tool_calls";
      default -> stopReason;
    };
  }
}
