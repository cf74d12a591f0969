package dev.batchlm.pipeline.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.cache.CacheKeys;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.Route;
import dev.batchlm.spark.RecordRows;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A request on its way to an answer: what to send (messages, params and the output schema as JSON),
 * the cache key of every route it may take in chain order, and what its earlier rounds spent (a
 * repair is the request again with the invalid answer and the error appended).
 */
record Request(
    String id,
    String alias,
    String messages,
    String params,
    String schema,
    List<String> contextChunkIds,
    int repairs,
    Spent spent,
    String primaryKey,
    String primaryRoute,
    List<String> candidateKeys,
    long estimatedInputTokens,
    long maxOutputTokens)
    implements Serializable {
  static final RecordRows<Request> ROWS = RecordRows.of(Request.class);
  static final String PRIMARY_KEY = RecordRows.columnName("primaryKey");
  static final String ID = "id";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** A request keyed for the routes of its alias. */
  static Request keyed(
      InferSettings s,
      String id,
      String alias,
      List<ChatMessage> messages,
      ObjectNode params,
      JsonNode schema,
      List<String> contextChunkIds,
      int repairs,
      Spent spent) {
    ChatRequest request = new ChatRequest(messages, params, schema);
    // an unknown alias is named by the driver, before any call (InferSettings.checkAliases)
    List<Route> chain =
        s.router().aliases().contains(alias) ? s.router().chain(alias, id) : List.of();
    ArrayNode messagesJson = request.messagesJson(); // built once: for the keys and the row
    List<String> keys =
        chain.stream()
            .map(r -> CacheKeys.of(r.provider(), r.model(), messagesJson, params, schema))
            .toList();
    return new Request(
        id,
        alias,
        messagesJson.toString(),
        params.toString(),
        schema == null ? null : schema.toString(),
        contextChunkIds,
        repairs,
        spent,
        keys.isEmpty() ? null : keys.get(0),
        chain.isEmpty() ? null : chain.get(0).name(),
        keys,
        estimateTokens(request),
        request.maxTokens(s.maxTokens()));
  }

  /** The same request with the invalid answer and what is wrong with it: the next round's. */
  Request repair(InferSettings s, String invalidAnswer, String error, Spent spentSoFar) {
    List<ChatMessage> next = new ArrayList<>(messages(messages));
    next.add(ChatMessage.assistant(invalidAnswer));
    next.add(
        ChatMessage.user(
            "Your answer is not valid: "
                + error
                + ". Answer again, following the instructions exactly, with the answer only."));
    ChatRequest r = chatRequest();
    return keyed(
        s,
        id,
        alias,
        next,
        r.params(),
        r.responseSchema(),
        contextChunkIds,
        repairs + 1,
        spentSoFar);
  }

  /**
   * The messages as first sent: the prompt rendered, without the turns each repair appended (the
   * invalid answer and the error). What a fine-tuning example is made of.
   */
  String firstMessages() {
    if (repairs == 0) {
      return messages;
    }
    try {
      ArrayNode all = (ArrayNode) JSON.readTree(messages);
      ArrayNode first = JSON.createArrayNode();
      for (int i = 0; i < all.size() - 2 * repairs; i++) {
        first.add(all.get(i));
      }
      return first.toString();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  ChatRequest chatRequest() {
    try {
      return new ChatRequest(
          messages(messages),
          (ObjectNode) JSON.readTree(params),
          schema == null ? null : JSON.readTree(schema));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Prompt tokens, estimated as characters / 4 plus a few per message (no tokenizer needed). */
  static long estimateTokens(ChatRequest request) {
    return (request.chars() + 3) / 4 + 4L * request.messages().size();
  }

  /** Messages from their JSON array; the message says what is wrong with a bad one. */
  static List<ChatMessage> messages(String json) {
    try {
      JsonNode a = JSON.readTree(json);
      if (!a.isArray() || a.isEmpty()) {
        throw new IllegalArgumentException("messages must be a non-empty JSON array");
      }
      List<ChatMessage> out = new ArrayList<>();
      for (JsonNode m : a) {
        if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
          throw new IllegalArgumentException(
              "each message needs a string role and content: " + Prepare.excerpt(m.toString()));
        }
        out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
      }
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException("messages are not JSON: " + e.getMessage(), e);
    }
  }
}
