package dev.batchlm.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * POSTs a JSON body and returns the parsed JSON answer, with every failure mapped by {@link
 * HttpErrors}: the one HTTP path of the providers. Header values (API keys) never reach messages.
 * Thread-safe.
 */
public final class HttpJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final Duration timeout;

  public HttpJson(Duration timeout) {
    this.timeout = timeout;
    // HTTP/1.1: no h2c upgrade dance with servers (uvicorn, llama.cpp) that do not speak it
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
  }

  /** The 2xx answer's body parsed; {@code what} names the call in errors. */
  public JsonNode post(URI uri, Map<String, String> headers, JsonNode body, String what) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    headers.forEach(
        (k, v) -> {
          if (v != null && !v.isEmpty()) {
            request.header(k, v);
          }
        });
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw HttpErrors.fromTransport(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LlmException.NonRetriable(what + ": interrupted", 0, e);
    }
    if (response.statusCode() / 100 != 2) {
      throw HttpErrors.fromStatus(
          what,
          response.statusCode(),
          response.body(),
          response.headers().firstValue("Retry-After"));
    }
    try {
      JsonNode parsed = JSON.readTree(response.body());
      if (parsed == null || !parsed.isObject()) {
        throw HttpErrors.malformed(what, response.body(), null);
      }
      return parsed;
    } catch (IOException e) {
      throw HttpErrors.malformed(what, response.body(), e);
    }
  }
}
