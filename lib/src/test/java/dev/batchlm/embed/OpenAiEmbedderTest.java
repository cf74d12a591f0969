package dev.batchlm.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.batchlm.llm.LlmException;
import dev.batchlm.llm.RetryPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The embeddings client against a loopback server speaking the OpenAI wire format, with faults. */
class OpenAiEmbedderTest {
  /** One scripted reply: status, body, optional Retry-After, optional delay before answering. */
  record Reply(int status, String body, String retryAfter, long delayMillis) {}

  /** A delay that ends only when the server stops. */
  static final long NEVER = Long.MAX_VALUE;

  HttpServer server;
  final Deque<Reply> script = new ConcurrentLinkedDeque<>();
  final List<String> requests = Collections.synchronizedList(new ArrayList<>());
  final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
  final List<Long> sleeps = new ArrayList<>();
  final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/embeddings", this::handle);
    server.start();
  }

  @AfterEach
  void stop() {
    stopped.countDown();
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
    Reply r = script.poll();
    if (r == null) {
      r = new Reply(500, "no scripted reply", null, 0);
    }
    try {
      stopped.await(r.delayMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (r.retryAfter() != null) {
      ex.getResponseHeaders().add("Retry-After", r.retryAfter());
    }
    byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(r.status(), body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    } catch (IOException e) {
      // the client gave up (timeout test)
    }
  }

  static String ok(int n) {
    StringBuilder sb = new StringBuilder("{\"object\":\"list\",\"data\":[");
    for (int i = n - 1; i >= 0; i--) { // out of order on purpose: index decides
      sb.append(i == n - 1 ? "" : ",")
          .append("{\"object\":\"embedding\",\"index\":")
          .append(i)
          .append(",\"embedding\":[")
          .append(i)
          .append(".5,1.0,-2.0]}");
    }
    return sb.append("],\"model\":\"m\",\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}")
        .toString();
  }

  /** Only a reply that never comes ({@link #NEVER}) times out, however loaded the machine. */
  OpenAiEmbedder client(int attempts, String key) {
    return client(attempts, key, Duration.ofSeconds(60));
  }

  OpenAiEmbedder client(int attempts, String key, Duration timeout) {
    return new OpenAiEmbedder(
        "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/",
        "bge-small",
        key,
        2,
        timeout,
        new RetryPolicy(attempts, 100, 2000, 60_000),
        sleeps::add);
  }

  @Test
  void batchesTextsAndOrdersVectorsByIndex() {
    script.add(new Reply(200, ok(2), null, 0));
    script.add(new Reply(200, ok(1), null, 0));
    List<Embedder.Embedding> out = client(1, "sk-secret").embed(List.of("a", "b", "c"));
    assertThat(out).hasSize(3);
    assertThat(out.get(0).vector()).containsExactly(0.5f, 1f, -2f);
    assertThat(out.get(1).vector()).containsExactly(1.5f, 1f, -2f);
    assertThat(out.get(2).vector()).containsExactly(0.5f, 1f, -2f);
    assertThat(requests.get(0)).isEqualTo("{\"model\":\"bge-small\",\"input\":[\"a\",\"b\"]}");
    assertThat(authorizations).containsOnly("Bearer sk-secret");
  }

  @Test
  void statusesMapToRetriableOrNotWithRetriesOff() {
    for (int status : new int[] {408, 429, 500, 502, 503}) {
      script.add(new Reply(status, "{\"error\":\"busy\"}", null, 0));
      assertThatThrownBy(() -> client(1, null).embed(List.of("x")))
          .isInstanceOf(LlmException.Retriable.class)
          .hasMessageContaining("HTTP " + status);
    }
    for (int status : new int[] {400, 401, 403, 404, 422}) {
      script.add(new Reply(status, "{\"error\":{\"message\":\"bad model\"}}", null, 0));
      assertThatThrownBy(() -> client(3, "sk-secret").embed(List.of("x")))
          .isInstanceOf(LlmException.NonRetriable.class)
          .hasMessageContaining("HTTP " + status)
          .hasMessageContaining("bad model")
          .hasMessageNotContaining("sk-secret");
    }
    assertThat(sleeps).isEmpty(); // non-retriable: no second attempt
  }

  @Test
  void retriesHonourRetryAfterThenBackOff() {
    script.add(new Reply(429, "slow down", "2", 0));
    script.add(new Reply(503, "down", null, 0));
    script.add(new Reply(200, ok(1), null, 0));
    assertThat(client(3, null).embed(List.of("x"))).hasSize(1);
    assertThat(requests).hasSize(3);
    assertThat(sleeps.get(0)).isEqualTo(2000L); // Retry-After: 2 seconds
    assertThat(sleeps.get(1))
        .isBetween(0L, 200L); // jittered backoff, second attempt: up to 2 x 100
  }

  @Test
  void malformedTruncatedAndSlowResponsesAreRetriableAndAttemptsAreBounded() {
    script.add(new Reply(200, "{\"data\":[{\"index\":0,\"embedding\":[1.0,", null, 0));
    script.add(new Reply(200, "{\"data\":[]}", null, 0));
    script.add(new Reply(200, ok(1), null, NEVER));
    // the timeout also covers the two replies before the hang, so it is one no busy machine reaches
    assertThatThrownBy(() -> client(3, null, Duration.ofSeconds(5)).embed(List.of("x")))
        .isInstanceOf(LlmException.Retriable.class)
        .hasMessageContaining("timed out")
        .hasMessageContaining("gave up after 3 attempts");
    assertThat(sleeps).hasSize(2);
  }
}
