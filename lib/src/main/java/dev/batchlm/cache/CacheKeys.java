package dev.batchlm.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.doc.ContentHash;
import dev.batchlm.llm.ChatRequest;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * The response cache's key: SHA-256 of the canonical JSON of what determines a response — provider
 * family, model, messages, sampling parameters and response format. Canonical: object keys sorted,
 * no whitespace, nulls dropped (an explicit null equals an absent parameter), numbers written in
 * their shortest exact form (so {@code 1}, {@code 1.0} and {@code 1.00} are one key), arrays kept
 * in order, strings escaped as Jackson does with non-ASCII characters kept as UTF-8.
 */
public final class CacheKeys {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CacheKeys() {}

  public static String of(
      String providerFamily,
      String model,
      JsonNode messages,
      JsonNode params,
      JsonNode responseFormat) {
    ObjectNode identity = JsonNodeFactory.instance.objectNode();
    identity.put("family", providerFamily);
    identity.put("model", model);
    identity.set("messages", messages);
    identity.set("params", params);
    identity.set("response_format", responseFormat);
    return ContentHash.sha256(canonical(identity));
  }

  /** The key of {@code request} sent to {@code model} of provider {@code family}. */
  public static String of(String providerFamily, String model, ChatRequest request) {
    return of(
        providerFamily, model, request.messagesJson(), request.params(), request.responseSchema());
  }

  /** The canonical JSON text of a tree. */
  public static String canonical(JsonNode node) {
    try {
      return JSON.writeValueAsString(normalize(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private static JsonNode normalize(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      Collections.sort(names);
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      for (String name : names) {
        JsonNode value = normalize(node.get(name));
        if (value != null) {
          out.set(name, value);
        }
      }
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        JsonNode value = normalize(it.next());
        out.add(value == null ? JsonNodeFactory.instance.nullNode() : value);
      }
      return out;
    }
    if (node.isNumber()) {
      BigDecimal exact = node.decimalValue().stripTrailingZeros();
      return exact.scale() <= 0
          ? JsonNodeFactory.instance.numberNode(exact.toBigIntegerExact())
          : JsonNodeFactory.instance.numberNode(exact);
    }
    return node;
  }
}
