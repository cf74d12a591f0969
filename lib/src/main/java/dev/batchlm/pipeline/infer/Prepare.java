package dev.batchlm.pipeline.infer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.cache.CacheKeys;
import dev.batchlm.doc.ContentHash;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.prompt.ContextAssembler;
import dev.batchlm.spark.RecordRows;
import dev.batchlm.table.Chunks;
import dev.batchlm.table.Retrievals;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Input rows (template variables, ready messages, or OpenAI batch lines) to keyed requests. A row
 * whose request cannot be built (a missing variable) is a result with the error; a row that is not
 * a request at all (not JSON, no id) is quarantined with its file, line and reason. This is the
 * conversion of the user's table: it reads its rows by their column names.
 */
final class Prepare implements FlatMapFunction<Iterator<Row>, Row> {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String CORRUPT = "_corrupt_record";

  /** The file a JSONL row came from (Spark's input_file_name), for quarantine rows. */
  static final String SOURCE_FILE = "_source_file";

  /** A line's number in its file, when a line format is read again for quarantine rows. */
  static final String LINE = "_line";

  /** Each request's retrieved passages (rank, chunk id, text), when infer.rag is on. */
  static final String PASSAGES = "_passages";

  static final String CONTEXT = "context";

  /** Columns of the input that are not the request's variables. */
  private static final Set<String> NOT_VARIABLES = Set.of(CORRUPT, SOURCE_FILE, LINE, PASSAGES);

  /** An input line that is not a request, and why. */
  record Quarantined(String file, String source, String message) implements Serializable {}

  /** What one input row became: exactly one of the three. */
  record Prepared(Request request, Finished unanswerable, Quarantined quarantined)
      implements Serializable {}

  static final RecordRows<Prepared> ROWS = RecordRows.of(Prepared.class);

  private final InferSettings s;
  private final StructType inputSchema;
  private final String runId;

  Prepare(InferSettings s, StructType inputSchema, String runId) {
    this.s = s;
    this.inputSchema = inputSchema;
    this.runId = runId;
  }

  /** Row by row, as Spark asks for them: a partition's requests are never all held at once. */
  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    List<String> names = Arrays.asList(inputSchema.fieldNames());
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public Row next() {
        return ROWS.toRow(prepared(rows.next(), names));
      }
    };
  }

  private Prepared prepared(Row r, List<String> names) {
    try {
      return s.format().equals("openai-batch") ? batchLine(r.getAs("value")) : tableRow(r, names);
    } catch (BadRow e) {
      int file = names.indexOf(SOURCE_FILE);
      int line = names.indexOf(LINE);
      String from = file < 0 || r.isNullAt(file) ? s.input() : r.getString(file);
      String at = line < 0 ? from : from + ":" + r.getLong(line);
      return new Prepared(null, null, new Quarantined(from, at + ": " + e.source, e.getMessage()));
    }
  }

  private Prepared batchLine(String line) {
    JsonNode j;
    try {
      j = JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new BadRow(excerpt(line), "not a JSON line: " + e.getOriginalMessage());
    }
    if (j == null || !j.path("custom_id").isTextual() || !j.path("body").isObject()) {
      throw new BadRow(excerpt(line), "an OpenAI batch line needs custom_id and body");
    }
    String id = j.get("custom_id").asText();
    ObjectNode body = ((ObjectNode) j.get("body")).deepCopy();
    String alias = s.alias().isEmpty() ? body.path("model").asText("") : s.alias();
    if (alias.isEmpty()) {
      throw new BadRow("custom_id=" + id, "body has no model and infer.model is not set");
    }
    List<ChatMessage> messages;
    try {
      messages = Request.messages(body.path("messages").toString());
    } catch (IllegalArgumentException e) {
      throw new BadRow("custom_id=" + id, e.getMessage());
    }
    JsonNode schema = body.path("response_format").path("json_schema").path("schema");
    body.remove(List.of("model", "messages", "response_format"));
    withMaxTokens(body);
    return request(id, alias, messages, body, schema.isMissingNode() ? null : schema, List.of());
  }

  private Prepared tableRow(Row r, List<String> names) {
    if (names.contains(CORRUPT) && !r.isNullAt(names.indexOf(CORRUPT))) {
      throw new BadRow(excerpt(r.getString(names.indexOf(CORRUPT))), "not a JSON object line");
    }
    boolean explicitId = names.contains(s.idColumn());
    if (explicitId && r.isNullAt(names.indexOf(s.idColumn()))) {
      throw new BadRow(excerpt(rowJson(r, names)), "row without " + s.idColumn());
    }
    Map<String, String> vars = new TreeMap<>();
    for (int i = 0; i < names.size(); i++) {
      if (!NOT_VARIABLES.contains(names.get(i))) {
        vars.put(names.get(i), r.isNullAt(i) ? null : String.valueOf(r.get(i)));
      }
    }
    String id =
        explicitId
            ? vars.get(s.idColumn())
            : ContentHash.id(16, CacheKeys.canonical(JSON.valueToTree(vars)));
    ObjectNode params =
        s.prompt() == null ? JSON.createObjectNode() : s.prompt().params().deepCopy();
    withMaxTokens(params);
    List<String> contextIds = List.of();
    if (s.rag()) {
      ContextAssembler.Context ctx = context(r, names.indexOf(PASSAGES));
      vars.put(CONTEXT, ctx.text());
      contextIds = ctx.chunkIds();
    }
    try {
      return request(id, s.alias(), messages(vars), params, schema(), contextIds);
    } catch (IllegalArgumentException e) { // a missing variable, unreadable messages
      Finished failed =
          Finished.unanswerable(
              runId, s, id, s.alias(), params.toString(), contextIds, e.getMessage());
      return new Prepared(null, failed, null);
    }
  }

  /** The row's ready messages, or the prompt rendered with its variables. */
  private List<ChatMessage> messages(Map<String, String> vars) {
    if (s.messagesColumn().isEmpty()) {
      return s.prompt().render(vars);
    }
    String m = vars.get(s.messagesColumn());
    if (m == null) {
      throw new IllegalArgumentException("no messages");
    }
    return Request.messages(m);
  }

  private JsonNode schema() {
    return s.messagesColumn().isEmpty() ? s.prompt().schema() : null;
  }

  /** The retrieved passages in rank order, packed into the context's token budget. */
  private ContextAssembler.Context context(Row r, int passagesColumn) {
    List<ContextAssembler.Passage> ranked = new ArrayList<>();
    if (!r.isNullAt(passagesColumn)) {
      List<Row> passages = new ArrayList<>(r.getList(passagesColumn));
      passages.sort(Comparator.comparingInt(x -> x.<Integer>getAs(Retrievals.RANK)));
      passages.forEach(
          x ->
              ranked.add(
                  new ContextAssembler.Passage(
                      x.getAs(Retrievals.CHUNK_ID), x.getAs(Chunks.TEXT))));
    }
    return new ContextAssembler(s.ragBudgetTokens(), t -> (t.length() + 3) / 4).assemble(ranked);
  }

  private Prepared request(
      String id,
      String alias,
      List<ChatMessage> messages,
      ObjectNode params,
      JsonNode schema,
      List<String> contextIds) {
    return new Prepared(
        Request.keyed(s, id, alias, messages, params, schema, contextIds, 0, Spent.NOTHING),
        null,
        null);
  }

  private void withMaxTokens(ObjectNode params) {
    if (!params.has("max_tokens") && !params.has("max_completion_tokens")) {
      params.put("max_tokens", s.maxTokens());
    }
  }

  /** The row as the JSON object it was read from (its non-null fields), not Spark's dump. */
  private static String rowJson(Row r, List<String> names) {
    ObjectNode o = JSON.createObjectNode();
    for (int i = 0; i < names.size(); i++) {
      if (!r.isNullAt(i) && !NOT_VARIABLES.contains(names.get(i))) {
        o.set(names.get(i), JSON.valueToTree(r.get(i)));
      }
    }
    return o.toString();
  }

  static String excerpt(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() > 120 ? one.substring(0, 120) + "..." : one;
  }

  /** An input row that cannot become a request: quarantined with the reason. */
  private static final class BadRow extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final String source;

    BadRow(String source, String message) {
      super(message);
      this.source = source;
    }
  }
}
