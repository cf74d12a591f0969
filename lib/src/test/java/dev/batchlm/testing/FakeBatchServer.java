package dev.batchlm.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A loopback server with the Batch APIs of both providers — OpenAI's files and batches ({@code
 * /v1/files}, {@code /v1/batches}) and Anthropic's Message Batches ({@code /v1/messages/batches}) —
 * and their synchronous chat endpoints, for batch tests. Each poll of a batch moves it on: {@code
 * validating} for {@link #validatingPolls} polls, {@code in_progress} for {@link #progressPolls}
 * (or until {@link #release} when {@link #hold} is set), then OpenAI's {@code finalizing}, then
 * ended. It has the faults a real one has, each line faulted at most once: lines failing with a
 * server error, expiring, refused as invalid, missing from the output; output out of order, a line
 * repeated, a line for an id never sent; uploads over a size refused with 413. {@link #paid} counts
 * the answers it produced per last user message, sync and batch together.
 */
public final class FakeBatchServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Map<String, String> files = Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, Batch> batches = Collections.synchronizedMap(new LinkedHashMap<>());
  private final Map<String, Integer> paid = Collections.synchronizedMap(new TreeMap<>());
  private final Set<String> faulted = Collections.synchronizedSet(new HashSet<>());
  private final List<String> created = Collections.synchronizedList(new ArrayList<>());
  private volatile Function<String, String> responder = text -> "echo: " + text;
  private volatile long[] usage; // fixed input and output tokens of every answer, or null

  public volatile int validatingPolls = 1;
  public volatile int progressPolls = 1;
  public volatile boolean hold;
  public volatile int failEvery;
  public volatile int expireEvery;
  public volatile int invalidEvery;
  public volatile int dropEvery;
  public volatile boolean reverse;
  public volatile boolean duplicateFirst;
  public volatile boolean unknownLine;
  public volatile long maxUploadBytes = Long.MAX_VALUE;

  private final class Batch {
    final String id;
    final boolean anthropic;
    final List<JsonNode> lines; // each with custom_id and the request body
    final String tag;
    final Instant createdAt = Instant.now();
    int polls;
    boolean cancel;
    String state = "validating";
    String output;
    String errors;

    Batch(String id, boolean anthropic, List<JsonNode> lines, String tag) {
      this.id = id;
      this.anthropic = anthropic;
      this.lines = lines;
      this.tag = tag;
    }
  }

  public FakeBatchServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
    server.createContext("/v1/files", this::files);
    server.createContext("/v1/batches", this::openAiBatches);
    server.createContext("/v1/messages/batches", this::anthropicBatches);
    server.createContext("/v1/chat/completions", ex -> sync(ex, false));
    server.createContext("/v1/messages", ex -> sync(ex, true));
    server.setExecutor(threads);
    server.start();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  public FakeBatchServer responder(Function<String, String> f) {
    this.responder = f;
    return this;
  }

  /** Every answer reports these token counts (for costs checked by hand). */
  public FakeBatchServer usage(long input, long output) {
    this.usage = new long[] {input, output};
    return this;
  }

  /** Lets held batches end at their next polls. */
  public void release() {
    hold = false;
  }

  /** Ends every batch still running now, as a provider has by the next night. */
  public synchronized void finishAll() {
    hold = false;
    synchronized (batches) {
      batches.values().stream()
          .filter(b -> b.output == null)
          .forEach(b -> end(b, "completed", b.lines.size()));
    }
  }

  public Map<String, Integer> paid() {
    synchronized (paid) {
      return new TreeMap<>(paid);
    }
  }

  public int paidTotal() {
    return paid().values().stream().mapToInt(Integer::intValue).sum();
  }

  /** Ids of the batches made, in order. */
  public List<String> created() {
    synchronized (created) {
      return List.copyOf(created);
    }
  }

  /** The state of a batch as the server holds it. */
  public String state(String batchId) {
    return batches.get(batchId).state;
  }

  // ---- OpenAI

  private void files(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (ex.getRequestMethod().equals("POST")) {
      byte[] body = ex.getRequestBody().readAllBytes();
      if (body.length > maxUploadBytes) {
        reply(ex, 413, "{\"error\":{\"message\":\"File is too large\"}}");
        return;
      }
      String type = ex.getRequestHeaders().getFirst("Content-Type");
      String boundary = "--" + type.substring(type.indexOf("boundary=") + 9);
      String all = new String(body, StandardCharsets.UTF_8);
      int file = all.indexOf("name=\"file\"");
      int start = all.indexOf("\r\n\r\n", file) + 4;
      int end = all.indexOf("\r\n" + boundary, start);
      String id = "file-in-" + files.size();
      files.put(id, all.substring(start, end));
      reply(ex, 200, JSON.createObjectNode().put("id", id).put("purpose", "batch").toString());
      return;
    }
    String id = path.substring("/v1/files/".length(), path.length() - "/content".length());
    String content = files.get(id);
    if (content == null) {
      reply(ex, 404, "{\"error\":{\"message\":\"No such file\"}}");
    } else {
      reply(ex, 200, content);
    }
  }

  private void openAiBatches(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (path.equals("/v1/batches") && ex.getRequestMethod().equals("POST")) {
      JsonNode req = JSON.readTree(ex.getRequestBody().readAllBytes());
      String input = files.get(req.path("input_file_id").asText());
      List<JsonNode> lines = new ArrayList<>();
      for (String l : input.split("\n")) {
        if (!l.isBlank()) {
          lines.add(JSON.readTree(l));
        }
      }
      Batch b = make("batch_", false, lines, req.path("metadata").path("batchlm").asText());
      reply(ex, 200, openAi(b).put("input_file_id", req.path("input_file_id").asText()).toString());
    } else if (path.equals("/v1/batches")) {
      ObjectNode list = JSON.createObjectNode();
      ArrayNode data = list.putArray("data");
      synchronized (batches) {
        batches.values().stream().filter(b -> !b.anthropic).forEach(b -> data.add(openAi(b)));
      }
      reply(ex, 200, list.toString());
    } else {
      Batch b = batch(path, "/v1/batches/");
      if (path.endsWith("/cancel")) {
        b.cancel = true;
        b.state = "cancelling";
      } else {
        advance(b);
      }
      reply(ex, 200, openAi(b).toString());
    }
  }

  private ObjectNode openAi(Batch b) {
    ObjectNode o = JSON.createObjectNode().put("id", b.id).put("object", "batch");
    o.put("status", b.state.equals("cancelled") ? "cancelled" : b.state);
    o.putObject("metadata").put("batchlm", b.tag);
    if (b.output != null) {
      o.put("output_file_id", b.output);
    }
    if (b.errors != null) {
      o.put("error_file_id", b.errors);
    }
    o.putObject("request_counts").put("total", b.lines.size());
    return o;
  }

  // ---- Anthropic

  private void anthropicBatches(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    if (path.equals("/v1/messages/batches") && ex.getRequestMethod().equals("POST")) {
      byte[] body = ex.getRequestBody().readAllBytes();
      if (body.length > maxUploadBytes) {
        reply(ex, 413, "{\"type\":\"error\",\"error\":{\"message\":\"request too large\"}}");
        return;
      }
      List<JsonNode> lines = new ArrayList<>();
      for (JsonNode r : JSON.readTree(body).path("requests")) {
        ObjectNode line = JSON.createObjectNode().put("custom_id", r.path("custom_id").asText());
        line.set("body", r.path("params"));
        lines.add(line);
      }
      reply(ex, 200, anthropic(make("msgbatch_", true, lines, "")).toString());
    } else if (path.equals("/v1/messages/batches")) {
      ObjectNode list = JSON.createObjectNode();
      ArrayNode data = list.putArray("data");
      synchronized (batches) {
        batches.values().stream().filter(b -> b.anthropic).forEach(b -> data.add(anthropic(b)));
      }
      reply(ex, 200, list.toString());
    } else if (path.endsWith("/results")) {
      Batch b =
          batch(path.substring(0, path.length() - "/results".length()), "/v1/messages/batches/");
      reply(ex, 200, files.get(b.output));
    } else {
      Batch b = batch(path, "/v1/messages/batches/");
      if (path.endsWith("/cancel")) {
        b.cancel = true;
        b.state = "cancelling";
      } else {
        advance(b);
      }
      reply(ex, 200, anthropic(b).toString());
    }
  }

  private ObjectNode anthropic(Batch b) {
    ObjectNode o = JSON.createObjectNode().put("id", b.id).put("type", "message_batch");
    boolean ended = b.output != null;
    o.put(
        "processing_status",
        ended ? "ended" : b.state.equals("cancelling") ? "canceling" : "in_progress");
    o.put("created_at", b.createdAt.toString());
    if (b.cancel) {
      o.put("cancel_initiated_at", b.createdAt.toString());
    }
    if (ended) {
      o.put("results_url", baseUrl() + "/messages/batches/" + b.id + "/results");
    }
    o.putObject("request_counts").put(ended ? "succeeded" : "processing", b.lines.size());
    return o;
  }

  // ---- both

  private Batch make(String prefix, boolean anthropic, List<JsonNode> lines, String tag) {
    synchronized (batches) {
      Batch b = new Batch(prefix + batches.size(), anthropic, lines, tag);
      batches.put(b.id, b);
      created.add(b.id);
      return b;
    }
  }

  private Batch batch(String path, String prefix) {
    String rest = path.substring(prefix.length());
    return batches.get(rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest);
  }

  /** One poll's worth of progress. */
  private synchronized void advance(Batch b) {
    if (b.output != null) {
      return;
    }
    b.polls++;
    if (b.cancel) {
      end(b, "cancelled", b.lines.size() / 2);
    } else if (b.polls <= validatingPolls) {
      b.state = "validating";
    } else if (hold || b.polls <= validatingPolls + progressPolls) {
      b.state = "in_progress";
    } else if (!b.anthropic && !b.state.equals("finalizing")) {
      b.state = "finalizing";
    } else {
      end(b, expireEvery > 0 ? "expired" : "completed", b.lines.size());
    }
  }

  /** Ends a batch: the first {@code answered} lines get their results, the rest expire. */
  private void end(Batch b, String state, int answered) {
    List<String> out = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < b.lines.size(); i++) {
      JsonNode line = b.lines.get(i);
      String id = line.path("custom_id").asText();
      JsonNode body = line.path("body");
      int n = i + 1;
      String result;
      if (i >= answered) {
        result = failure(b, id, b.cancel ? "canceled" : "expired", 0);
      } else if (failEvery > 0 && n % failEvery == 0 && faulted.add(id)) {
        result = failure(b, id, "errored", 500);
      } else if (expireEvery > 0 && n % expireEvery == 0 && faulted.add(id)) {
        result = failure(b, id, "expired", 0);
      } else if (invalidEvery > 0 && n % invalidEvery == 0 && faulted.add(id)) {
        result = failure(b, id, "errored", 400);
      } else if (dropEvery > 0 && n % dropEvery == 0 && faulted.add(id)) {
        continue; // the provider lost it
      } else {
        result = answered(b, id, body);
      }
      (result.contains("\"status_code\":200") || b.anthropic ? out : errors).add(result);
    }
    if (reverse) {
      Collections.reverse(out);
    }
    if (duplicateFirst && !out.isEmpty()) {
      out.add(out.get(0).replace("echo: ", "DUPLICATE "));
    }
    if (unknownLine && !b.lines.isEmpty()) {
      try {
        ObjectNode stranger =
            (ObjectNode) JSON.readTree(out.isEmpty() ? errors.get(0) : out.get(0));
        out.add(stranger.put("custom_id", "never-sent").toString());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    b.output = store(out);
    b.errors = b.anthropic || errors.isEmpty() ? null : store(errors);
    b.state = state;
  }

  private String store(List<String> lines) {
    String id = "file-out-" + files.size();
    files.put(id, String.join("\n", lines) + (lines.isEmpty() ? "" : "\n"));
    return id;
  }

  private String answered(Batch b, String id, JsonNode body) {
    String last = FakeLlmServer.lastUser(body);
    paid.merge(last, 1, Integer::sum);
    JsonNode answer = answerBody(body, b.anthropic, responder.apply(last));
    ObjectNode line = JSON.createObjectNode().put("custom_id", id);
    if (b.anthropic) {
      line.putObject("result").put("type", "succeeded").set("message", answer);
    } else {
      line.put("id", "batch_req_" + id);
      ObjectNode response = line.putObject("response").put("status_code", 200);
      response.set("body", answer);
      line.putNull("error");
    }
    return line.toString();
  }

  private String failure(Batch b, String id, String kind, int status) {
    ObjectNode line = JSON.createObjectNode().put("custom_id", id);
    if (b.anthropic) {
      ObjectNode result = line.putObject("result").put("type", kind);
      if (kind.equals("errored")) {
        result
            .putObject("error")
            .put("type", "error")
            .putObject("error")
            .put("type", status == 400 ? "invalid_request_error" : "api_error")
            .put("message", status == 400 ? "bad request" : "internal error");
      }
    } else if (status > 0) {
      ObjectNode response = line.putObject("response").put("status_code", status);
      response.putObject("body").putObject("error").put("message", "status " + status);
      line.putNull("error");
    } else {
      line.putNull("response");
      line.putObject("error")
          .put("code", kind.equals("expired") ? "batch_expired" : "batch_cancelled")
          .put("message", "This request could not be executed before the batch " + kind);
    }
    return line.toString();
  }

  private JsonNode answerBody(JsonNode body, boolean anthropic, String text) {
    try {
      ObjectNode a = (ObjectNode) JSON.readTree(FakeLlmServer.answer(body, anthropic, text));
      long[] u = usage;
      if (u != null) {
        a.set(
            "usage",
            anthropic
                ? JSON.createObjectNode().put("input_tokens", u[0]).put("output_tokens", u[1])
                : JSON.createObjectNode()
                    .put("prompt_tokens", u[0])
                    .put("completion_tokens", u[1])
                    .put("total_tokens", u[0] + u[1]));
      }
      return a;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private void sync(HttpExchange ex, boolean anthropic) throws IOException {
    JsonNode body = JSON.readTree(ex.getRequestBody().readAllBytes());
    String last = FakeLlmServer.lastUser(body);
    paid.merge(last, 1, Integer::sum);
    reply(ex, 200, answerBody(body, anthropic, responder.apply(last)).toString());
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
