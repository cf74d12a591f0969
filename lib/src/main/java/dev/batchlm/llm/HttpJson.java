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
    return post(uri, headers, "application/json", ofString(body.toString()), what);
  }

  /** A POST of any body (a multipart upload, a streamed file); its JSON answer parsed. */
  public JsonNode post(
      URI uri,
      Map<String, String> headers,
      String contentType,
      HttpRequest.BodyPublisher body,
      String what) {
    HttpRequest.Builder request =
        request(uri, headers).header("Content-Type", contentType).POST(body);
    return parsed(send(request, HttpResponse.BodyHandlers.ofString(), what), what);
  }

  /** A GET's JSON answer parsed. */
  public JsonNode get(URI uri, Map<String, String> headers, String what) {
    return parsed(
        send(request(uri, headers).GET(), HttpResponse.BodyHandlers.ofString(), what), what);
  }

  /**
   * A GET's body line by line, as it arrives (a batch's output file may be larger than memory); an
   * error status fails before any line.
   */
  public void getLines(
      URI uri, Map<String, String> headers, String what, java.util.function.Consumer<String> line) {
    HttpResponse<java.util.stream.Stream<String>> response =
        send(request(uri, headers).GET(), HttpResponse.BodyHandlers.ofLines(), what);
    try (java.util.stream.Stream<String> lines = response.body()) {
      lines.forEach(line);
    } catch (java.io.UncheckedIOException e) {
      throw HttpErrors.fromTransport(what, e.getCause());
    }
  }

  private HttpRequest.Builder request(URI uri, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout);
    headers.forEach(
        (k, v) -> {
          if (v != null && !v.isEmpty()) {
            request.header(k, v);
          }
        });
    return request;
  }

  private <T> HttpResponse<T> send(
      HttpRequest.Builder request, HttpResponse.BodyHandler<T> body, String what) {
    HttpResponse<T> response;
    try {
      response = http.send(request.build(), body);
    } catch (IOException e) {
      throw HttpErrors.fromTransport(what, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LlmException.NonRetriable(what + ": interrupted", 0, e);
    }
    if (response.statusCode() / 100 != 2) {
      Object b = response.body();
      String text =
          b instanceof java.util.stream.Stream<?> lines
              ? lines.limit(20).map(String::valueOf).reduce("", (x, y) -> x + y)
              : String.valueOf(b);
      throw HttpErrors.fromStatus(
          what, response.statusCode(), text, response.headers().firstValue("Retry-After"));
    }
    return response;
  }

  private static JsonNode parsed(HttpResponse<String> response, String what) {
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

  private static HttpRequest.BodyPublisher ofString(String body) {
    return HttpRequest.BodyPublishers.ofString(body);
  }
}
