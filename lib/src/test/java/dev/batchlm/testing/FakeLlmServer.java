package dev.batchlm.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A loopback server speaking OpenAI chat completions ({@code /v1/chat/completions}) and Anthropic
 * Messages ({@code /v1/messages}), for provider and job tests. It answers with {@code responder}
 * applied to the last user message, after {@code latencyMillis}; it can inject faults at a seeded
 * rate (429 with and without Retry-After, 500/502/503, hangs that never answer, dropped
 * connections, malformed and truncated JSON) or replay scripted replies. A "paid" call is one
 * answered with a complete 200: {@link #paid} counts them per last user message, so a test can see
 * any request that was paid for twice.
 */
public final class FakeLlmServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A scripted reply: status and body (null body: drop the connection; {@link #HANG}: answer
   * nothing until the server closes, so only the client's timeout ends the call, however slow the
   * machine), Retry-After or null.
   */
  public record Reply(int status, String body, String retryAfter) {}

  public static final int HANG = -1;

  static {
    // Without TCP_NODELAY the JDK server's separate header and body writes meet the client's
    // delayed ACK: ~40 ms added to every call, which would hide the client's own speed.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Deque<Reply> script = new ConcurrentLinkedDeque<>();
  private final Map<String, AtomicInteger> paid = new ConcurrentHashMap<>();
  private final List<Long> requestNanos = Collections.synchronizedList(new ArrayList<>());
  private final List<JsonNode> bodies = Collections.synchronizedList(new ArrayList<>());
  private final List<String> authHeaders = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final AtomicInteger faults = new AtomicInteger();
  private volatile Function<String, String> responder = text -> "echo: " + text;
  private volatile long latencyMillis;
  private volatile double faultRate;
  private final java.util.concurrent.CountDownLatch closed =
      new java.util.concurrent.CountDownLatch(1);
  private Random random = new Random(7);

  public FakeLlmServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    server.createContext("/v1/chat/completions", ex -> handle(ex, false));
    server.createContext("/v1/messages", ex -> handle(ex, true));
    server.setExecutor(threads);
    server.start();
  }

  /** The base URL both providers take: {@code http://127.0.0.1:PORT/v1}. */
  public String baseUrl() {
    return "http://"
        + server.getAddress().getHostString()
        + ":"
        + server.getAddress().getPort()
        + "/v1";
  }

  public FakeLlmServer responder(Function<String, String> f) {
    this.responder = f;
    return this;
  }

  public FakeLlmServer latency(long millis) {
    this.latencyMillis = millis;
    return this;
  }

  /** Injects a fault into this share of requests (seeded), each fault kind in turn. */
  public synchronized FakeLlmServer faults(double rate, long seed) {
    this.faultRate = rate;
    this.random = new Random(seed);
    return this;
  }

  public FakeLlmServer script(Reply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  /** Complete 200 answers per last user message. */
  public Map<String, Integer> paid() {
    Map<String, Integer> out = new java.util.TreeMap<>();
    paid.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  public int paidTotal() {
    return paid.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  public int requests() {
    return requestNanos.size();
  }

  public List<Long> requestNanos() {
    synchronized (requestNanos) {
      return List.copyOf(requestNanos);
    }
  }

  public List<JsonNode> bodies() {
    synchronized (bodies) {
      return List.copyOf(bodies);
    }
  }

  public List<String> authHeaders() {
    synchronized (authHeaders) {
      return List.copyOf(authHeaders);
    }
  }

  /**
   * Waits until no call is being answered (hanging calls excluded: their client has given up),
   * woken by each call that ends; false when {@code limit} passed first.
   */
  public synchronized boolean awaitIdle(java.time.Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (inFlight.get() > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  private synchronized void callEnded() {
    inFlight.decrementAndGet();
    notifyAll();
  }

  public int maxInFlight() {
    return maxInFlight.get();
  }

  public int faultsInjected() {
    return faults.get();
  }

  private void handle(HttpExchange ex, boolean anthropic) throws IOException {
    requestNanos.add(System.nanoTime());
    maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    try {
      JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
      bodies.add(body);
      authHeaders.add(
          anthropic
              ? ex.getRequestHeaders().getFirst("x-api-key")
              : ex.getRequestHeaders().getFirst("Authorization"));
      sleep(latencyMillis);
      Reply scripted = script.poll();
      if (scripted != null) {
        reply(ex, scripted);
        return;
      }
      int kind = -1;
      synchronized (this) {
        if (faultRate > 0 && random.nextDouble() < faultRate) {
          kind = random.nextInt(9);
        }
      }
      if (kind >= 0) {
        faults.incrementAndGet();
        switch (kind) {
          case 0 -> reply(ex, new Reply(429, "{\"error\":\"rate limited\"}", "0.05"));
          case 1 -> reply(ex, new Reply(429, "{\"error\":\"rate limited\"}", null));
          case 2 -> reply(ex, new Reply(500, "internal error", null));
          case 3 -> reply(ex, new Reply(502, "<html>bad gateway</html>", null));
          case 4 -> reply(ex, new Reply(503, "overloaded", null));
          case 5 -> reply(ex, new Reply(HANG, null, null));
          case 6 -> reply(ex, new Reply(200, null, null));
          case 7 -> reply(ex, new Reply(200, "{\"choices\": [oops", null));
          default -> {
            String full = answer(body, anthropic);
            reply(ex, new Reply(200, full.substring(0, full.length() / 2), null));
          }
        }
        return;
      }
      String last = lastUser(body);
      reply(ex, new Reply(200, answer(body, anthropic), null));
      paid.computeIfAbsent(last, k -> new AtomicInteger()).incrementAndGet();
    } finally {
      callEnded();
    }
  }

  private String answer(JsonNode body, boolean anthropic) {
    return answer(body, anthropic, responder.apply(lastUser(body)));
  }

  /** A complete answer with {@code text} in either wire format, with usage. */
  public static String answer(JsonNode body, boolean anthropic, String text) {
    long in = JSON.valueToTree(body.path("messages")).toString().length() / 4 + 1;
    long out = text.length() / 4 + 1;
    ObjectNode a = JSON.createObjectNode();
    if (anthropic) {
      a.put("id", "msg_1").put("type", "message").put("role", "assistant");
      a.putArray("content").addObject().put("type", "text").put("text", text);
      a.put("stop_reason", "end_turn");
      a.putObject("usage").put("input_tokens", in).put("output_tokens", out);
    } else {
      a.put("id", "chatcmpl-1").put("object", "chat.completion");
      ObjectNode choice = a.putArray("choices").addObject();
      choice.put("index", 0).put("finish_reason", "stop");
      choice.putObject("message").put("role", "assistant").put("content", text);
      a.putObject("usage")
          .put("prompt_tokens", in)
          .put("completion_tokens", out)
          .put("total_tokens", in + out);
    }
    return a.toString();
  }

  /** The text of the last user message of a request body (either wire format). */
  public static String lastUser(JsonNode body) {
    String last = "";
    for (JsonNode m : body.path("messages")) {
      if (m.path("role").asText().equals("user")) {
        last = m.path("content").asText();
      }
    }
    return last;
  }

  private void reply(HttpExchange ex, Reply r) throws IOException {
    if (r.status() == HANG) {
      // the client gives up at its timeout: from then on this is no longer a request in flight
      callEnded();
      try {
        closed.await(); // never answers: the client's timeout ends the call
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      inFlight.incrementAndGet();
      ex.close();
      return;
    }
    if (r.body() == null) {
      ex.close(); // dropped connection: no status line at all
      return;
    }
    if (r.retryAfter() != null) {
      ex.getResponseHeaders().add("Retry-After", r.retryAfter());
    }
    ex.getResponseHeaders().add("Content-Type", "application/json");
    byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(r.status(), bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    } catch (IOException e) {
      // the client went away
    }
  }

  private static void sleep(long millis) {
    if (millis > 0) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
    threads.shutdownNow();
  }
}
