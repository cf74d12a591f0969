package dev.batchlm.llm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.HttpErrors;
import dev.batchlm.llm.HttpJson;
import dev.batchlm.llm.LlmException;
import dev.batchlm.llm.OpenAiChatModel;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * OpenAI's Batch API, as OpenAI and the servers that copy it serve it: the input uploaded to {@code
 * POST /files} ({@code purpose=batch}), the batch made by {@code POST /batches} for the chat
 * completions endpoint with a 24-hour window, {@code GET /batches/{id}} polled, the output and
 * error files read from {@code GET /files/{id}/content}. Lines and answers are those of {@link
 * OpenAiChatModel}; the tag goes into the batch's {@code metadata}.
 */
public final class OpenAiBatchApi implements BatchApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final OpenAiChatModel chat;
  private final String endpointPath;
  private final HttpJson http;

  public OpenAiBatchApi(OpenAiChatModel chat, Duration timeout) {
    this.chat = chat;
    // the path each line is sent to, as the server names it: /v1/chat/completions at OpenAI
    this.endpointPath = URI.create(chat.base()).getPath() + "/chat/completions";
    this.http = new HttpJson(timeout);
  }

  @Override
  public String inputLine(String customId, ChatRequest request) {
    ObjectNode line = JSON.createObjectNode();
    line.put("custom_id", customId).put("method", "POST").put("url", endpointPath);
    line.set("body", chat.body(request));
    return line.toString();
  }

  @Override
  public BatchStatus create(Supplier<InputStream> lines, long bytes, int requests, String tag) {
    String boundary = "batchlm-" + UUID.randomUUID();
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + tag
            + ".jsonl\"\r\nContent-Type: application/jsonl\r\n\r\n";
    String tail = "\r\n--" + boundary + "--\r\n";
    URI files = uri("/files");
    JsonNode file =
        http.post(
            files,
            chat.headers(),
            "multipart/form-data; boundary=" + boundary,
            HttpRequest.BodyPublishers.concat(
                HttpRequest.BodyPublishers.ofString(head),
                HttpRequest.BodyPublishers.ofInputStream(lines),
                HttpRequest.BodyPublishers.ofString(tail)),
            "POST " + files + " (" + requests + " requests, " + bytes + " bytes)");
    ObjectNode body = JSON.createObjectNode();
    body.put("input_file_id", file.path("id").asText());
    body.put("endpoint", endpointPath).put("completion_window", "24h");
    body.putObject("metadata").put("batchlm", tag);
    URI batches = uri("/batches");
    return status(http.post(batches, chat.headers(), body, "POST " + batches));
  }

  @Override
  public BatchStatus status(String batchId) {
    URI u = uri("/batches/" + batchId);
    return status(http.get(u, chat.headers(), "GET " + u));
  }

  @Override
  public BatchStatus cancel(String batchId) {
    URI u = uri("/batches/" + batchId + "/cancel");
    return status(http.post(u, chat.headers(), JSON.createObjectNode(), "POST " + u));
  }

  @Override
  public void results(BatchStatus ended, Consumer<BatchResult> line) {
    for (String fileId : new String[] {ended.outputFileId(), ended.errorFileId()}) {
      if (fileId == null || fileId.isEmpty()) {
        continue;
      }
      URI u = uri("/files/" + fileId + "/content");
      String where = "batch " + ended.id() + ", file " + fileId + " line ";
      int[] n = {0};
      http.getLines(
          u, chat.headers(), "GET " + u, text -> line.accept(parse(text, where + ++n[0])));
    }
  }

  @Override
  public Optional<BatchStatus> find(String tag, long createdAfterEpochSeconds, int requests) {
    URI u = uri("/batches?limit=100");
    for (JsonNode b : http.get(u, chat.headers(), "GET " + u).path("data")) {
      if (b.path("metadata").path("batchlm").asText().equals(tag)) {
        return Optional.of(status(b));
      }
    }
    return Optional.empty();
  }

  /** One line of an output or error file. */
  static BatchResult parse(String text, String where) {
    if (text.isBlank()) {
      return BatchResult.failed(null, "empty line", false, where);
    }
    JsonNode line;
    try {
      line = JSON.readTree(text);
    } catch (IOException e) {
      return BatchResult.failed(null, "unreadable line: " + excerpt(text), false, where);
    }
    String id = line.path("custom_id").isTextual() ? line.get("custom_id").asText() : null;
    JsonNode response = line.path("response");
    int status = response.path("status_code").asInt(0);
    if (status == 200) {
      try {
        return BatchResult.answered(
            id, OpenAiChatModel.response(response.path("body"), where), where);
      } catch (LlmException e) {
        return BatchResult.failed(id, e.getMessage(), true, where);
      }
    }
    JsonNode error = line.path("error");
    String code = error.path("code").asText("");
    String message =
        status > 0
            ? "HTTP " + status + ": " + excerpt(response.path("body").toString())
            : code + ": " + error.path("message").asText("no answer");
    boolean retriable =
        status > 0
            ? HttpErrors.retriableStatus(status)
            : code.equals("batch_expired") || code.equals("batch_cancelled") || code.isEmpty();
    return BatchResult.failed(id, message, retriable, where);
  }

  private static BatchStatus status(JsonNode b) {
    JsonNode counts = b.path("request_counts");
    JsonNode errors = b.path("errors").path("data");
    String state = b.path("status").asText("");
    return new BatchStatus(
        b.path("id").asText(),
        state.equals("canceled") ? "cancelled" : state.equals("canceling") ? "cancelling" : state,
        text(b, "input_file_id"),
        text(b, "output_file_id"),
        text(b, "error_file_id"),
        null,
        counts.path("completed").asLong(0),
        counts.path("failed").asLong(0),
        errors.isArray() && !errors.isEmpty() ? errors.get(0).path("message").asText() : null);
  }

  private static String text(JsonNode b, String field) {
    return b.path(field).isTextual() ? b.get(field).asText() : null;
  }

  private URI uri(String path) {
    return URI.create(chat.base() + path);
  }

  static String excerpt(String s) {
    String one = s.replaceAll("\\s+", " ").trim();
    return one.length() > 200 ? one.substring(0, 200) + "..." : one;
  }
}
