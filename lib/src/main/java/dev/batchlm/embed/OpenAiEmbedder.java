package dev.batchlm.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.llm.HttpErrors;
import dev.batchlm.llm.HttpJson;
import dev.batchlm.llm.RetryPolicy;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * An OpenAI-compatible {@code POST {base}/embeddings} client (OpenAI, vLLM, TEI, llama.cpp server):
 * texts in batches, a timeout per request, bounded retries of retriable failures ({@link
 * RetryPolicy}, with Retry-After honoured), and the provider layer's one error mapping ({@link
 * HttpErrors}). The API key goes only into the Authorization header, never into messages or logs.
 * Thread-safe (the JDK HttpClient is).
 */
public final class OpenAiEmbedder implements Embedder {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI endpoint;
  private final String model;
  private final String apiKey;
  private final int batchSize;
  private final RetryPolicy retry;
  private final RetryPolicy.Sleeper sleeper;
  private final HttpJson http;
  private final Random jitter = new Random();

  /**
   * @param baseUrl e.g. {@code http://vllm:8000/v1}
   * @param apiKey may be null for servers without authentication
   */
  public OpenAiEmbedder(
      String baseUrl,
      String model,
      String apiKey,
      int batchSize,
      Duration timeout,
      RetryPolicy retry,
      RetryPolicy.Sleeper sleeper) {
    this.endpoint = URI.create(baseUrl.replaceAll("/+$", "") + "/embeddings");
    this.model = model;
    this.apiKey = apiKey;
    this.batchSize = batchSize;
    this.retry = retry;
    this.sleeper = sleeper;
    this.http = new HttpJson(timeout);
  }

  @Override
  public ModelInfo info() {
    // the endpoint's model decides everything; no setting of ours changes its vectors
    return new ModelInfo("endpoint:" + model, "", "", 0, "endpoint", false, "endpoint");
  }

  @Override
  public List<Embedding> embed(List<String> texts) {
    List<Embedding> out = new ArrayList<>(texts.size());
    for (int from = 0; from < texts.size(); from += batchSize) {
      List<String> batch = texts.subList(from, Math.min(texts.size(), from + batchSize));
      out.addAll(retry.run(() -> call(batch), jitter, sleeper));
    }
    return out;
  }

  private List<Embedding> call(List<String> batch) {
    String what = "POST " + endpoint + " (" + batch.size() + " texts, model " + model + ")";
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    batch.forEach(body.putArray("input")::add);
    JsonNode answer =
        http.post(
            endpoint,
            apiKey == null || apiKey.isEmpty()
                ? Map.of()
                : Map.of("Authorization", "Bearer " + apiKey),
            body,
            what);
    JsonNode data = answer.path("data");
    if (!data.isArray() || data.size() != batch.size()) {
      throw HttpErrors.malformed(what, answer.toString(), null);
    }
    float[][] vectors = new float[batch.size()][];
    for (JsonNode item : data) {
      int index = item.path("index").asInt(-1);
      JsonNode e = item.path("embedding");
      if (index < 0 || index >= vectors.length || !e.isArray() || e.isEmpty()) {
        throw HttpErrors.malformed(what, answer.toString(), null);
      }
      float[] v = new float[e.size()];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) e.get(i).asDouble();
      }
      vectors[index] = v;
    }
    List<Embedding> out = new ArrayList<>(vectors.length);
    for (float[] v : vectors) {
      if (v == null || v.length != vectors[0].length) {
        throw HttpErrors.malformed(what, answer.toString(), null);
      }
      out.add(new Embedding(v, false));
    }
    return out;
  }
}
