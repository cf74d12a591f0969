package dev.batchlm.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code POST {base}/chat/completions} of the OpenAI API and the servers that copy it (vLLM, TGI,
 * llama.cpp server, Ollama, Azure-style gateways). Sampling parameters are passed through under
 * their OpenAI names; a response schema becomes {@code response_format: json_schema}. The key goes
 * into {@code Authorization: Bearer} (or into {@code authHeader} as is, for Azure's {@code
 * api-key}).
 */
public final class OpenAiChatModel implements ChatModel {
  public static final String FAMILY = "openai";

  private final String base;
  private final URI endpoint;
  private final String model;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private final HttpJson http;

  /**
   * @param baseUrl e.g. {@code http://vllm:8000/v1} or {@code https://api.openai.com/v1}
   * @param apiKey null or empty for servers without authentication
   * @param authHeader {@code Authorization} (Bearer) or another header that takes the bare key
   */
  public OpenAiChatModel(
      String baseUrl,
      String model,
      String apiKey,
      String authHeader,
      Map<String, String> extraHeaders,
      Duration timeout) {
    this.base = baseUrl.replaceAll("/+$", "");
    this.endpoint = URI.create(base + "/chat/completions");
    this.model = model;
    this.headers.putAll(extraHeaders);
    if (apiKey != null && !apiKey.isEmpty()) {
      boolean bearer = authHeader == null || authHeader.equalsIgnoreCase("Authorization");
      headers.put(bearer ? "Authorization" : authHeader, bearer ? "Bearer " + apiKey : apiKey);
    }
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

  /** The request body of {@code POST /chat/completions}: also a batch input line's body. */
  public ObjectNode body(ChatRequest request) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("model", model);
    body.set("messages", request.messagesJson());
    request.params().fields().forEachRemaining(e -> body.set(e.getKey(), e.getValue()));
    if (request.responseSchema() != null) {
      ObjectNode format = body.putObject("response_format").put("type", "json_schema");
      format.putObject("json_schema").put("name", "output").set("schema", request.responseSchema());
    }
    return body;
  }

  /** A chat completion (synchronous, or a batch output line's body); {@code what} names it. */
  public static ChatResponse response(JsonNode answer, String what) {
    JsonNode choice = answer.path("choices").path(0);
    JsonNode content = choice.path("message").path("content");
    if (choice.isMissingNode() || !(content.isTextual() || content.isNull())) {
      throw HttpErrors.malformed(what, answer.toString(), null);
    }
    JsonNode usage = answer.path("usage");
    return new ChatResponse(
        content.asText(""),
        choice.path("finish_reason").asText(""),
        new TokenUsage(
            usage.path("prompt_tokens").asLong(0),
            usage.path("completion_tokens").asLong(0),
            usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
            usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0)),
        answer.toString());
  }
}
