package dev.batchlm.llm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.llm.AnthropicChatModel;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.HttpJson;
import dev.batchlm.llm.LlmException;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Anthropic's Message Batches API: the requests posted in one body to {@code POST
 * /messages/batches}, {@code GET /messages/batches/{id}} polled until {@code ended}, the results
 * read line by line from its {@code results_url}. Input lines are the API's request entries ({@code
 * custom_id} and the {@link AnthropicChatModel} body as {@code params}). The API keeps no labels:
 * {@link #find} matches a batch by its creation time and request count.
 */
public final class AnthropicBatchApi implements BatchApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AnthropicChatModel chat;
  private final HttpJson http;

  public AnthropicBatchApi(AnthropicChatModel chat, Duration timeout) {
    this.chat = chat;
    this.http = new HttpJson(timeout);
  }

  @Override
  public String inputLine(String customId, ChatRequest request) {
    ObjectNode line = JSON.createObjectNode().put("custom_id", customId);
    line.set("params", chat.body(request));
    return line.toString();
  }

  @Override
  public BatchStatus create(Supplier<InputStream> lines, long bytes, int requests, String tag) {
    URI u = uri("/messages/batches");
    // {"requests":[line,line,...]}: the file's newlines become commas as it streams
    HttpRequest.BodyPublisher body =
        HttpRequest.BodyPublishers.concat(
            HttpRequest.BodyPublishers.ofString("{\"requests\":["),
            HttpRequest.BodyPublishers.ofInputStream(() -> new CommaSeparated(lines.get())),
            HttpRequest.BodyPublishers.ofString("]}"));
    return status(
        http.post(
            u,
            chat.headers(),
            "application/json",
            body,
            "POST " + u + " (" + requests + " requests, " + bytes + " bytes)"));
  }

  @Override
  public BatchStatus status(String batchId) {
    URI u = uri("/messages/batches/" + batchId);
    return status(http.get(u, chat.headers(), "GET " + u));
  }

  @Override
  public BatchStatus cancel(String batchId) {
    URI u = uri("/messages/batches/" + batchId + "/cancel");
    return status(http.post(u, chat.headers(), JSON.createObjectNode(), "POST " + u));
  }

  @Override
  public void results(BatchStatus ended, Consumer<BatchResult> line) {
    if (ended.resultsUrl() == null) {
      return;
    }
    URI u = URI.create(ended.resultsUrl());
    String where = "batch " + ended.id() + " results line ";
    int[] n = {0};
    http.getLines(u, chat.headers(), "GET " + u, text -> line.accept(parse(text, where + ++n[0])));
  }

  @Override
  public Optional<BatchStatus> find(String tag, long createdAfterEpochSeconds, int requests) {
    URI u = uri("/messages/batches?limit=100");
    List<BatchStatus> matches = new ArrayList<>();
    for (JsonNode b : http.get(u, chat.headers(), "GET " + u).path("data")) {
      JsonNode c = b.path("request_counts");
      long total = 0;
      for (String k : List.of("processing", "succeeded", "errored", "canceled", "expired")) {
        total += c.path(k).asLong(0);
      }
      Instant created = Instant.parse(b.path("created_at").asText("1970-01-01T00:00:00Z"));
      if (total == requests && created.getEpochSecond() >= createdAfterEpochSeconds) {
        matches.add(status(b));
      }
    }
    // two batches of the same size made in the same moments cannot be told apart: adopt neither
    return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
  }

  /** One line of a results file. */
  static BatchResult parse(String text, String where) {
    JsonNode line;
    try {
      line = JSON.readTree(text);
    } catch (IOException e) {
      return BatchResult.failed(
          null, "unreadable line: " + OpenAiBatchApi.excerpt(text), false, where);
    }
    if (line == null) {
      return BatchResult.failed(null, "empty line", false, where);
    }
    String id = line.path("custom_id").isTextual() ? line.get("custom_id").asText() : null;
    JsonNode result = line.path("result");
    String type = result.path("type").asText("");
    return switch (type) {
      case "succeeded" -> {
        try {
          yield BatchResult.answered(
              id, AnthropicChatModel.response(result.path("message"), where), where);
        } catch (LlmException e) {
          yield BatchResult.failed(id, e.getMessage(), true, where);
        }
      }
      case "errored" -> {
        String kind = result.path("error").path("error").path("type").asText("");
        yield BatchResult.failed(
            id,
            "errored: " + kind + ": " + result.path("error").path("error").path("message").asText(),
            !kind.equals("invalid_request_error"),
            where);
      }
      case "canceled", "expired" -> BatchResult.failed(id, type, true, where);
      default -> BatchResult.failed(id, "unknown result type '" + type + "'", false, where);
    };
  }

  private static BatchStatus status(JsonNode b) {
    JsonNode c = b.path("request_counts");
    String processing = b.path("processing_status").asText("");
    boolean cancelled = b.path("cancel_initiated_at").isTextual();
    String state =
        switch (processing) {
          case "ended" -> cancelled ? "cancelled" : "completed";
          case "canceling" -> "cancelling";
          default -> processing;
        };
    return new BatchStatus(
        b.path("id").asText(),
        state,
        null,
        null,
        null,
        b.path("results_url").isTextual() ? b.get("results_url").asText() : null,
        c.path("succeeded").asLong(0),
        c.path("errored").asLong(0) + c.path("expired").asLong(0) + c.path("canceled").asLong(0),
        null);
  }

  private URI uri(String path) {
    return URI.create(chat.base() + path);
  }

  /** A JSONL stream read as the inside of a JSON array: each newline between lines a comma. */
  private static final class CommaSeparated extends FilterInputStream {
    CommaSeparated(InputStream in) {
      super(new BufferedInputStream(in));
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b != '\n') {
        return b;
      }
      in.mark(1);
      int next = in.read();
      if (next < 0) {
        return -1; // the last line's newline
      }
      in.reset();
      return ',';
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = 0;
      while (n < len) {
        int b = read();
        if (b < 0) {
          return n == 0 ? -1 : n;
        }
        buf[off + n++] = (byte) b;
        if (in.available() == 0) {
          break;
        }
      }
      return n;
    }
  }
}
