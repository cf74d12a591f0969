package dev.batchlm.pipeline;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.cache.CacheKeys;
import dev.batchlm.cache.CacheWriter;
import dev.batchlm.config.ConfigException;
import dev.batchlm.cost.Budget;
import dev.batchlm.doc.ContentHash;
import dev.batchlm.infer.Dispatcher;
import dev.batchlm.llm.ChatClient;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.llm.ChatModel;
import dev.batchlm.llm.ChatModels;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.LocalChatModel;
import dev.batchlm.llm.OutputValidator;
import dev.batchlm.llm.RateLimiter;
import dev.batchlm.llm.RetryPolicy;
import dev.batchlm.llm.Route;
import dev.batchlm.prompt.ContextAssembler;
import dev.batchlm.prompt.PromptTemplate;
import dev.batchlm.spark.ExecutorCache;
import dev.batchlm.spark.GpuBinding;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.LocalCopies;
import dev.batchlm.table.InferenceResults;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The rows an infer run passes between its stages, and the executor functions that make them:
 * {@link Prepare} (input rows to requests), {@link Keys} (the cache key of every route a request
 * may take), {@link Call} (one task's calls) and {@link Judge} (validation, and the repair request
 * when an answer is invalid).
 */
final class InferRows {
  private InferRows() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  static final String CORRUPT = "_corrupt_record";

  /** The file a JSONL row came from (Spark's input_file_name), for quarantine rows. */
  static final String SOURCE_FILE = "_source_file";

  /** A line's number in its file, when a line format is read again for quarantine rows. */
  static final String LINE = "_line";

  /** Columns of the input that are not the request's variables. */
  private static final java.util.Set<String> NOT_VARIABLES =
      java.util.Set.of(CORRUPT, SOURCE_FILE, LINE);

  static final String PASSAGES = "_passages";
  static final String CONTEXT = "context";

  // a request on its way: what to send, and what earlier rounds (repairs) used
  static final String REQUEST_ID = "request_id";
  static final String ALIAS = "alias";
  static final String MESSAGES = "messages";
  static final String PARAMS = "params";
  static final String SCHEMA_JSON = "schema";
  static final String CONTEXT_IDS = "context_chunk_ids";
  static final String ERROR = "error";
  static final String REPAIRS = "repairs";
  static final String ACC_ATTEMPTS = "acc_attempts";
  static final String ACC_IN = "acc_in";
  static final String ACC_OUT = "acc_out";
  static final String ACC_CACHED = "acc_cached";
  static final String ACC_REASONING = "acc_reasoning";
  static final String ACC_COST = "acc_cost";
  static final String ACC_SAVED = "acc_saved";
  static final String ACC_LATENCY = "acc_latency";
  static final String ACC_DEVICE = "acc_device";
  static final StructType PENDING =
      nullable(
          new StructType()
              .add(REQUEST_ID, DataTypes.StringType)
              .add(ALIAS, DataTypes.StringType)
              .add(MESSAGES, DataTypes.StringType)
              .add(PARAMS, DataTypes.StringType)
              .add(SCHEMA_JSON, DataTypes.StringType)
              .add(CONTEXT_IDS, DataTypes.createArrayType(DataTypes.StringType, false))
              .add(ERROR, DataTypes.StringType)
              .add(REPAIRS, DataTypes.IntegerType)
              .add(ACC_ATTEMPTS, DataTypes.IntegerType)
              .add(ACC_IN, DataTypes.LongType)
              .add(ACC_OUT, DataTypes.LongType)
              .add(ACC_CACHED, DataTypes.LongType)
              .add(ACC_REASONING, DataTypes.LongType)
              .add(ACC_COST, DataTypes.DoubleType)
              .add(ACC_SAVED, DataTypes.DoubleType)
              .add(ACC_LATENCY, DataTypes.LongType)
              .add(ACC_DEVICE, DataTypes.DoubleType));

  static final String QUARANTINE_FILE = "q_file";
  static final String QUARANTINE_SOURCE = "q_source";
  static final String QUARANTINE_MESSAGE = "q_message";
  static final StructType PREPARED_OR_QUARANTINE =
      PENDING
          .add(QUARANTINE_FILE, DataTypes.StringType, true)
          .add(QUARANTINE_SOURCE, DataTypes.StringType, true)
          .add(QUARANTINE_MESSAGE, DataTypes.StringType, true);

  static final String PRIMARY_KEY = "primary_key";
  static final String PRIMARY_ROUTE = "primary_route";
  static final String CANDIDATE_KEYS = "candidate_keys";
  static final String EST_INPUT = "est_input";
  static final String MAX_OUTPUT = "max_output";
  static final StructType KEYED =
      PENDING
          .add(PRIMARY_KEY, DataTypes.StringType, true)
          .add(PRIMARY_ROUTE, DataTypes.StringType, true)
          .add(CANDIDATE_KEYS, DataTypes.createArrayType(DataTypes.StringType, false), true)
          .add(EST_INPUT, DataTypes.LongType, true)
          .add(MAX_OUTPUT, DataTypes.LongType, true);

  // one answer (from the cache or a call) to a keyed request
  static final String CACHE_KEY = "cache_key";
  static final String ROUTE = "route";
  static final String PROVIDER = "provider";
  static final String MODEL = "model";
  static final String OUTPUT_TEXT = "output_text";
  static final String FINISH_REASON = "finish_reason";
  static final String IN = "in_tokens";
  static final String OUT = "out_tokens";
  static final String CACHED = "cached_in_tokens";
  static final String REASONING = "reasoning_out_tokens";
  static final String COST_NOW = "cost_now";
  static final String SAVED_NOW = "saved_now";
  static final String LATENCY = "latency";
  static final String DEVICE = "device_now";
  static final String ATTEMPTS_NOW = "attempts_now";
  static final String CALL_ERROR = "call_error";
  static final String HIT = "hit";
  static final StructType ANSWER =
      nullable(
          new StructType()
              .add(CACHE_KEY, DataTypes.StringType)
              .add(ROUTE, DataTypes.StringType)
              .add(PROVIDER, DataTypes.StringType)
              .add(MODEL, DataTypes.StringType)
              .add(OUTPUT_TEXT, DataTypes.StringType)
              .add(FINISH_REASON, DataTypes.StringType)
              .add(IN, DataTypes.LongType)
              .add(OUT, DataTypes.LongType)
              .add(CACHED, DataTypes.LongType)
              .add(REASONING, DataTypes.LongType)
              .add(COST_NOW, DataTypes.DoubleType)
              .add(SAVED_NOW, DataTypes.DoubleType)
              .add(LATENCY, DataTypes.LongType)
              .add(DEVICE, DataTypes.DoubleType)
              .add(ATTEMPTS_NOW, DataTypes.IntegerType)
              .add(CALL_ERROR, DataTypes.StringType)
              .add(HIT, DataTypes.BooleanType));
  static final StructType ANSWERED = concat(KEYED, ANSWER);
  static final StructType OUTCOME =
      concat(
          new StructType()
              .add(REQUEST_ID, DataTypes.StringType, true)
              .add(PRIMARY_KEY, DataTypes.StringType, true),
          ANSWER);

  // a request's end, or its next (repair) round
  static final String SAVED_USD = "saved_usd";
  static final String NEXT_MESSAGES = "next_messages";
  static final StructType FINAL =
      nullable(InferenceResults.SCHEMA).add(SAVED_USD, DataTypes.DoubleType, true);
  static final StructType JUDGED =
      FINAL
          .add(SCHEMA_JSON, DataTypes.StringType, true)
          .add(REPAIRS, DataTypes.IntegerType, true)
          .add(NEXT_MESSAGES, DataTypes.StringType, true);

  private static StructType nullable(StructType t) {
    StructType out = new StructType();
    for (StructField f : t.fields()) {
      out = out.add(f.name(), f.dataType(), true);
    }
    return out;
  }

  private static StructType concat(StructType a, StructType b) {
    StructType out = a;
    for (StructField f : b.fields()) {
      out = out.add(f);
    }
    return out;
  }

  private static Object[] values(StructType schema) {
    return new Object[schema.size()];
  }

  private static void set(Object[] v, StructType schema, String name, Object value) {
    v[schema.fieldIndex(name)] = value;
  }

  /** A new request (accumulators at zero) or a row-level error. */
  private static Row pending(
      String id,
      String alias,
      List<ChatMessage> messages,
      ObjectNode params,
      JsonNode schema,
      List<String> contextIds,
      String error) {
    Object[] v = values(PREPARED_OR_QUARANTINE);
    set(v, PREPARED_OR_QUARANTINE, REQUEST_ID, id);
    set(v, PREPARED_OR_QUARANTINE, ALIAS, alias);
    set(v, PREPARED_OR_QUARANTINE, MESSAGES, messages == null ? null : toJson(messages));
    set(v, PREPARED_OR_QUARANTINE, PARAMS, params == null ? "{}" : params.toString());
    set(v, PREPARED_OR_QUARANTINE, SCHEMA_JSON, schema == null ? null : schema.toString());
    set(v, PREPARED_OR_QUARANTINE, CONTEXT_IDS, contextIds.toArray(new String[0]));
    set(v, PREPARED_OR_QUARANTINE, ERROR, error);
    for (String zero : List.of(REPAIRS, ACC_ATTEMPTS)) {
      set(v, PREPARED_OR_QUARANTINE, zero, 0);
    }
    for (String zero : List.of(ACC_IN, ACC_OUT, ACC_CACHED, ACC_REASONING, ACC_LATENCY)) {
      set(v, PREPARED_OR_QUARANTINE, zero, 0L);
    }
    set(v, PREPARED_OR_QUARANTINE, ACC_COST, 0.0);
    set(v, PREPARED_OR_QUARANTINE, ACC_SAVED, 0.0);
    set(v, PREPARED_OR_QUARANTINE, ACC_DEVICE, 0.0);
    return RowFactory.create(v);
  }

  private static Row quarantine(String file, String source, String message) {
    Object[] v = values(PREPARED_OR_QUARANTINE);
    set(v, PREPARED_OR_QUARANTINE, QUARANTINE_FILE, file);
    set(v, PREPARED_OR_QUARANTINE, QUARANTINE_SOURCE, source);
    set(v, PREPARED_OR_QUARANTINE, QUARANTINE_MESSAGE, message);
    return RowFactory.create(v);
  }

  static String toJson(List<ChatMessage> messages) {
    ArrayNode a = JSON.createArrayNode();
    messages.forEach(m -> a.addObject().put("role", m.role()).put("content", m.content()));
    return a.toString();
  }

  static List<ChatMessage> messages(String json) {
    try {
      JsonNode a = JSON.readTree(json);
      if (!a.isArray() || a.isEmpty()) {
        throw new IllegalArgumentException("messages must be a non-empty JSON array");
      }
      List<ChatMessage> out = new ArrayList<>();
      for (JsonNode m : a) {
        if (!m.path("role").isTextual() || !m.path("content").isTextual()) {
          throw new IllegalArgumentException(
              "each message needs a string role and content: " + excerpt(m.toString()));
        }
        out.add(new ChatMessage(m.get("role").asText(), m.get("content").asText()));
      }
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException("messages are not JSON: " + e.getMessage(), e);
    }
  }

  static ChatRequest request(Row r) {
    try {
      String schema = r.getAs(SCHEMA_JSON);
      return new ChatRequest(
          messages(r.getAs(MESSAGES)),
          (ObjectNode) JSON.readTree((String) r.getAs(PARAMS)),
          schema == null ? null : JSON.readTree(schema));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String excerpt(String s) {
    String one = s.replaceAll("\\s+", " ");
    return one.length() > 120 ? one.substring(0, 120) + "..." : one;
  }

  /** Input rows (template variables, ready messages or batch lines) to requests. */
  static final class Prepare implements FlatMapFunction<Iterator<Row>, Row> {
    private final InferSettings s;
    private final StructType inputSchema;

    Prepare(InferSettings s, StructType inputSchema) {
      this.s = s;
      this.inputSchema = inputSchema;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      List<Row> out = new ArrayList<>();
      while (rows.hasNext()) {
        Row r = rows.next();
        try {
          out.add(s.format().equals("openai-batch") ? batchLine(r.getString(0)) : tableRow(r));
        } catch (BadRow e) {
          int file = inputSchema.getFieldIndex(SOURCE_FILE).getOrElse(() -> -1);
          int line = inputSchema.getFieldIndex(LINE).getOrElse(() -> -1);
          String from = file < 0 || r.isNullAt(file) ? s.input() : r.getString(file);
          String at = line < 0 ? from : from + ":" + r.getLong(line);
          out.add(quarantine(from, at + ": " + e.source, e.getMessage()));
        }
      }
      return out.iterator();
    }

    private Row batchLine(String line) {
      JsonNode j;
      try {
        j = JSON.readTree(line);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
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
        messages = InferRows.messages(body.path("messages").toString());
      } catch (IllegalArgumentException e) {
        throw new BadRow("custom_id=" + id, e.getMessage());
      }
      JsonNode schema = body.path("response_format").path("json_schema").path("schema");
      body.remove(List.of("model", "messages", "response_format"));
      if (!body.has("max_tokens") && !body.has("max_completion_tokens")) {
        body.put("max_tokens", s.maxTokens());
      }
      return pending(
          id, alias, messages, body, schema.isMissingNode() ? null : schema, List.of(), null);
    }

    /** The row as the JSON object it was read from (its non-null fields), not Spark's dump. */
    private static String rowJson(Row r, List<String> names) {
      com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
      for (int i = 0; i < names.size(); i++) {
        if (!r.isNullAt(i)
            && !NOT_VARIABLES.contains(names.get(i))
            && !names.get(i).equals(PASSAGES)) {
          o.set(names.get(i), JSON.valueToTree(r.get(i)));
        }
      }
      return o.toString();
    }

    private Row tableRow(Row r) {
      List<String> names = Arrays.asList(inputSchema.fieldNames());
      if (names.contains(CORRUPT) && !r.isNullAt(names.indexOf(CORRUPT))) {
        String line = r.getString(names.indexOf(CORRUPT));
        throw new BadRow(excerpt(line), "not a JSON object line");
      }
      boolean explicitId = names.contains(s.idColumn());
      if (explicitId && r.isNullAt(names.indexOf(s.idColumn()))) {
        throw new BadRow(excerpt(rowJson(r, names)), "row without " + s.idColumn());
      }
      Map<String, String> vars = new TreeMap<>();
      for (int i = 0; i < names.size(); i++) {
        String n = names.get(i);
        if (!n.equals(PASSAGES) && !NOT_VARIABLES.contains(n)) {
          vars.put(n, r.isNullAt(i) ? null : String.valueOf(r.get(i)));
        }
      }
      String id =
          explicitId
              ? vars.get(s.idColumn())
              : ContentHash.id(16, CacheKeys.canonical(JSON.valueToTree(vars)));
      ObjectNode params =
          s.prompt() == null ? JSON.createObjectNode() : s.prompt().params().deepCopy();
      if (!params.has("max_tokens") && !params.has("max_completion_tokens")) {
        params.put("max_tokens", s.maxTokens());
      }
      List<String> contextIds = List.of();
      if (s.rag()) {
        List<ContextAssembler.Passage> ranked = new ArrayList<>();
        int p = names.indexOf(PASSAGES);
        if (!r.isNullAt(p)) {
          List<Row> passages = new ArrayList<>(r.getList(p));
          passages.sort(java.util.Comparator.comparingInt(x -> x.getInt(0)));
          passages.forEach(
              x -> ranked.add(new ContextAssembler.Passage(x.getString(1), x.getString(2))));
        }
        ContextAssembler.Context ctx =
            new ContextAssembler(s.ragBudgetTokens(), t -> (t.length() + 3) / 4).assemble(ranked);
        vars.put(CONTEXT, ctx.text());
        contextIds = ctx.chunkIds();
      }
      if (!s.messagesColumn().isEmpty()) {
        String m = vars.get(s.messagesColumn());
        try {
          if (m == null) {
            throw new IllegalArgumentException("no messages");
          }
          return pending(id, s.alias(), InferRows.messages(m), params, null, contextIds, null);
        } catch (IllegalArgumentException e) {
          return pending(id, s.alias(), null, params, null, contextIds, e.getMessage());
        }
      }
      try {
        List<ChatMessage> messages = s.prompt().render(vars);
        return pending(id, s.alias(), messages, params, s.prompt().schema(), contextIds, null);
      } catch (PromptTemplate.MissingVariable e) {
        return pending(id, s.alias(), null, params, null, contextIds, e.getMessage());
      }
    }
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

  /** Adds the cache key of each route a request may take, in order, and its estimates. */
  static final class Keys implements Function<Row, Row> {
    private final InferSettings s;

    Keys(InferSettings s) {
      this.s = s;
    }

    @Override
    public Row call(Row r) {
      List<Route> chain = s.router().chain(r.getAs(ALIAS), r.getAs(REQUEST_ID));
      ChatRequest request = request(r);
      String[] keys =
          chain.stream()
              .map(x -> CacheKeys.of(x.provider(), x.model(), request))
              .toArray(String[]::new);
      Object[] v = new Object[KEYED.size()];
      for (int i = 0; i < PENDING.size(); i++) {
        v[i] = r.get(i);
      }
      set(v, KEYED, PRIMARY_KEY, keys[0]);
      set(v, KEYED, PRIMARY_ROUTE, chain.get(0).name());
      set(v, KEYED, CANDIDATE_KEYS, keys);
      set(v, KEYED, EST_INPUT, estimateTokens(request));
      set(v, KEYED, MAX_OUTPUT, request.maxTokens(s.maxTokens()));
      return RowFactory.create(v);
    }
  }

  /** Prompt tokens, estimated as characters / 4 plus a few per message (no tokenizer needed). */
  static long estimateTokens(ChatRequest request) {
    return (request.chars() + 3) / 4 + 4L * request.messages().size();
  }

  /**
   * One task's calls: at most {@code infer.max-concurrency} in flight, each route's limits divided
   * by the number of tasks, a share of the remaining budget, answers committed to the cache as they
   * arrive.
   */
  static final class Call implements FlatMapFunction<Iterator<Row>, Row> {
    private final InferSettings s;
    private final HadoopConf conf;
    private final String runId;
    private final int round;
    private final int tasks;
    private final double taskBudget;
    private final String cacheTable;

    Call(
        InferSettings s,
        HadoopConf conf,
        String runId,
        int round,
        int tasks,
        double taskBudget,
        String cacheTable) {
      this.s = s;
      this.conf = conf;
      this.runId = runId;
      this.round = round;
      this.tasks = tasks;
      this.taskBudget = taskBudget;
      this.cacheTable = cacheTable;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      List<Dispatcher.Job> jobs = new ArrayList<>();
      List<String> primaryKeys = new ArrayList<>();
      while (rows.hasNext()) {
        Row r = rows.next();
        ChatRequest request = request(r);
        jobs.add(
            new Dispatcher.Job(
                r.getAs(REQUEST_ID),
                s.router().chain(r.getAs(ALIAS), r.getAs(REQUEST_ID)),
                request,
                estimateTokens(request)));
        primaryKeys.add(r.getAs(PRIMARY_KEY));
      }
      if (jobs.isEmpty()) {
        return java.util.Collections.emptyIterator();
      }
      TaskContext task = TaskContext.get();
      String prefix =
          runId + "-r" + round + "-p" + task.partitionId() + "-a" + task.attemptNumber();
      Map<String, ChatClient> clients = new HashMap<>();
      java.util.function.Function<Route, ChatClient> client =
          route ->
              clients.computeIfAbsent(
                  route.name(),
                  n ->
                      new ChatClient(
                          route,
                          chatModel(route),
                          new RateLimiter(
                              route.requestsPerMinute() / tasks,
                              route.tokensPerMinute() / tasks,
                              System::nanoTime,
                              RetryPolicy.Sleeper.REAL),
                          new RetryPolicy(
                              route.maxAttempts(), 500, 30_000, s.requestBudgetMillis()),
                          RetryPolicy.Sleeper.REAL));
      List<Dispatcher.Outcome> outcomes;
      CacheWriter cache =
          s.writesCache() ? new CacheWriter(new Path(cacheTable), prefix, conf.get()) : null;
      try {
        Dispatcher d =
            new Dispatcher(
                r -> {
                  synchronized (clients) {
                    return client.apply(r);
                  }
                },
                s::price,
                new Budget(s.budgetUsd() > 0 ? Math.max(taskBudget, 1e-12) : 0),
                s.maxConcurrency(),
                cache == null ? e -> {} : cache::put,
                runId,
                s.maxTokens());
        outcomes = d.run(jobs);
      } finally {
        if (cache != null) {
          cache.close();
        }
      }
      List<Row> out = new ArrayList<>(outcomes.size());
      for (int i = 0; i < outcomes.size(); i++) {
        Dispatcher.Outcome o = outcomes.get(i);
        Object[] v = new Object[OUTCOME.size()];
        set(v, OUTCOME, REQUEST_ID, o.job().id());
        set(v, OUTCOME, PRIMARY_KEY, primaryKeys.get(i));
        set(v, OUTCOME, ATTEMPTS_NOW, o.attempts());
        set(v, OUTCOME, LATENCY, o.latencyMillis());
        set(v, OUTCOME, DEVICE, o.deviceMillis());
        set(v, OUTCOME, HIT, false);
        if (o.ok()) {
          set(v, OUTCOME, CACHE_KEY, o.cacheKey());
          set(v, OUTCOME, ROUTE, o.route().name());
          set(v, OUTCOME, PROVIDER, o.route().provider());
          set(v, OUTCOME, MODEL, o.route().model());
          set(v, OUTCOME, OUTPUT_TEXT, o.response().text());
          set(v, OUTCOME, FINISH_REASON, o.response().finishReason());
          set(v, OUTCOME, IN, o.response().usage().input());
          set(v, OUTCOME, OUT, o.response().usage().output());
          set(v, OUTCOME, CACHED, o.response().usage().cachedInput());
          set(v, OUTCOME, REASONING, o.response().usage().reasoning());
          set(v, OUTCOME, COST_NOW, o.costUsd());
        } else {
          set(v, OUTCOME, CALL_ERROR, o.error());
          for (String zero : List.of(IN, OUT, CACHED, REASONING)) {
            set(v, OUTCOME, zero, 0L);
          }
          set(v, OUTCOME, COST_NOW, 0.0);
        }
        out.add(RowFactory.create(v));
      }
      return out.iterator();
    }

    /**
     * A remote client, or the local checkpoint: copied from any Hadoop path and loaded once per
     * executor JVM and device (this task's GPU when Spark gave it one), shared by its tasks so that
     * their requests decode in one batch.
     */
    private ChatModel chatModel(Route route) {
      if (!route.provider().equals(LocalChatModel.FAMILY)) {
        return ChatModels.forRoute(route, conf.get(), s.maxTokens());
      }
      String device = GpuBinding.bindTaskGpu().orElse("cpu");
      return ExecutorCache.get(
          "local-llm:" + route.checkpoint() + "|" + s.local() + "|" + device,
          () ->
              new LocalChatModel(
                  LocalCopies.of(route.checkpoint(), conf.get()), s.maxTokens(), s.local()));
    }
  }

  /**
   * Requests that shared one call with an identical request (the leader, which paid) are cache hits
   * for this run: no cost, no attempts, the leader's cost saved.
   */
  static Dataset<Row> followersAreHits(Dataset<Row> joined) {
    Column follower = col(REQUEST_ID).notEqual(col("leader")).and(col(CALL_ERROR).isNull());
    return joined
        .withColumn(HIT, follower)
        .withColumn(SAVED_NOW, when(follower, col(COST_NOW)).otherwise(lit(null)))
        .withColumn(COST_NOW, when(follower, lit(0.0)).otherwise(col(COST_NOW)))
        .withColumn(ATTEMPTS_NOW, when(follower, lit(0)).otherwise(col(ATTEMPTS_NOW)))
        .withColumn(LATENCY, when(follower, lit(0L)).otherwise(col(LATENCY)))
        .withColumn(DEVICE, when(follower, lit(0.0)).otherwise(col(DEVICE)));
  }

  /** Validates an answer: the request's end, or its repair request for the next round. */
  static final class Judge implements Function<Row, Row> {
    private final InferSettings s;
    private final String runId;
    private final boolean lastRound;
    private final java.util.Set<String> unpricedRoutes = new java.util.HashSet<>();
    // aliases none of whose routes has a price: a row no route answered costs null there, not 0
    private final java.util.Set<String> unpricedAliases = new java.util.HashSet<>();
    private transient Map<String, OutputValidator> validators;

    Judge(InferSettings s, String runId, boolean lastRound) {
      this.s = s;
      this.runId = runId;
      this.lastRound = lastRound;
      s.router().all().stream().filter(Route::unpriced).forEach(r -> unpricedRoutes.add(r.name()));
      for (String alias : s.router().aliases()) {
        if (s.router().routes(alias).stream().allMatch(Route::unpriced)) {
          unpricedAliases.add(alias);
        }
      }
    }

    @Override
    public Row call(Row r) {
      if (validators == null) {
        validators = new HashMap<>();
      }
      Object[] v = new Object[JUDGED.size()];
      String route = r.getAs(ROUTE);
      boolean unpriced =
          route == null ? unpricedAliases.contains(r.getAs(ALIAS)) : unpricedRoutes.contains(route);
      double cost = add(r.getAs(ACC_COST), r.getAs(COST_NOW));
      double saved = add(r.getAs(ACC_SAVED), r.getAs(SAVED_NOW));
      set(v, JUDGED, InferenceResults.RUN_ID, runId);
      set(v, JUDGED, InferenceResults.REQUEST_ID, r.getAs(REQUEST_ID));
      set(v, JUDGED, InferenceResults.PROMPT_NAME, s.prompt() == null ? "" : s.prompt().name());
      set(
          v,
          JUDGED,
          InferenceResults.PROMPT_VERSION,
          s.prompt() == null ? "" : s.prompt().version());
      set(v, JUDGED, InferenceResults.MODEL_ALIAS, r.getAs(ALIAS));
      set(v, JUDGED, InferenceResults.ROUTE, route);
      set(v, JUDGED, InferenceResults.PROVIDER, r.getAs(PROVIDER));
      set(v, JUDGED, InferenceResults.MODEL, r.getAs(MODEL));
      set(v, JUDGED, InferenceResults.PARAMS, r.getAs(PARAMS));
      set(v, JUDGED, InferenceResults.CACHE_KEY, r.getAs(CACHE_KEY));
      set(v, JUDGED, InferenceResults.CACHE_HIT, Boolean.TRUE.equals(r.getAs(HIT)));
      set(v, JUDGED, InferenceResults.OUTPUT_TEXT, r.getAs(OUTPUT_TEXT));
      set(v, JUDGED, InferenceResults.FINISH_REASON, r.getAs(FINISH_REASON));
      set(v, JUDGED, InferenceResults.INPUT_TOKENS, (long) r.getAs(ACC_IN) + (long) r.getAs(IN));
      set(v, JUDGED, InferenceResults.OUTPUT_TOKENS, (long) r.getAs(ACC_OUT) + (long) r.getAs(OUT));
      set(
          v,
          JUDGED,
          InferenceResults.CACHED_TOKENS,
          (long) r.getAs(ACC_CACHED) + (long) r.getAs(CACHED));
      set(
          v,
          JUDGED,
          InferenceResults.REASONING_TOKENS,
          (long) r.getAs(ACC_REASONING) + (long) r.getAs(REASONING));
      set(v, JUDGED, InferenceResults.COST_USD, unpriced ? null : cost);
      set(v, JUDGED, SAVED_USD, unpriced ? null : saved);
      set(
          v,
          JUDGED,
          InferenceResults.LATENCY_MS,
          (long) r.getAs(ACC_LATENCY) + (long) r.getAs(LATENCY));
      set(
          v,
          JUDGED,
          InferenceResults.DEVICE_MS,
          (double) r.getAs(ACC_DEVICE) + (double) r.getAs(DEVICE));
      set(
          v,
          JUDGED,
          InferenceResults.ATTEMPTS,
          (int) r.getAs(ACC_ATTEMPTS) + (int) r.getAs(ATTEMPTS_NOW));
      set(
          v,
          JUDGED,
          InferenceResults.CONTEXT_CHUNK_IDS,
          r.getList(r.fieldIndex(CONTEXT_IDS)).toArray(new String[0]));
      set(v, JUDGED, SCHEMA_JSON, r.getAs(SCHEMA_JSON));
      set(v, JUDGED, REPAIRS, r.getAs(REPAIRS));
      set(v, JUDGED, InferenceResults.VALID, false);
      String callError = r.getAs(CALL_ERROR);
      if (callError != null) {
        set(v, JUDGED, InferenceResults.ERROR, callError);
        return RowFactory.create(v);
      }
      OutputValidator.Verdict verdict;
      try {
        verdict = s.validator(r.getAs(SCHEMA_JSON), validators).check(r.getAs(OUTPUT_TEXT));
      } catch (ConfigException e) {
        set(v, JUDGED, InferenceResults.ERROR, e.getMessage());
        return RowFactory.create(v);
      }
      set(v, JUDGED, InferenceResults.VALID, verdict.valid());
      set(v, JUDGED, InferenceResults.VALIDATION_ERROR, verdict.error());
      set(v, JUDGED, InferenceResults.OUTPUT_JSON, verdict.json());
      if (!verdict.valid() && !lastRound) {
        List<ChatMessage> next = new ArrayList<>(messages(r.getAs(MESSAGES)));
        next.add(ChatMessage.assistant(r.getAs(OUTPUT_TEXT)));
        next.add(
            ChatMessage.user(
                "Your answer is not valid: "
                    + verdict.error()
                    + ". Answer again, following the instructions exactly, with the answer"
                    + " only."));
        set(v, JUDGED, NEXT_MESSAGES, toJson(next));
        set(v, JUDGED, REPAIRS, (int) r.getAs(REPAIRS) + 1);
      }
      return RowFactory.create(v);
    }

    private static double add(Double a, Double b) {
      return (a == null ? 0 : a) + (b == null ? 0 : b);
    }
  }

  /** Requests that ended (answered, invalid after repairs, or failed): result rows. */
  static Dataset<Row> finals(Dataset<Row> judged) {
    return judged.select(dev.batchlm.table.Tables.columns(FINAL));
  }

  /** Invalid answers going back to the model: requests of the next round. */
  static Dataset<Row> repairs(Dataset<Row> judged) {
    return judged.select(
        col(InferenceResults.REQUEST_ID).as(REQUEST_ID),
        col(InferenceResults.MODEL_ALIAS).as(ALIAS),
        col(NEXT_MESSAGES).as(MESSAGES),
        col(InferenceResults.PARAMS).as(PARAMS),
        col(SCHEMA_JSON),
        col(InferenceResults.CONTEXT_CHUNK_IDS).as(CONTEXT_IDS),
        lit(null).cast("string").as(ERROR),
        col(REPAIRS),
        col(InferenceResults.ATTEMPTS).as(ACC_ATTEMPTS),
        col(InferenceResults.INPUT_TOKENS).as(ACC_IN),
        col(InferenceResults.OUTPUT_TOKENS).as(ACC_OUT),
        col(InferenceResults.CACHED_TOKENS).as(ACC_CACHED),
        col(InferenceResults.REASONING_TOKENS).as(ACC_REASONING),
        coalesce(col(InferenceResults.COST_USD), lit(0.0)).as(ACC_COST),
        coalesce(col(SAVED_USD), lit(0.0)).as(ACC_SAVED),
        col(InferenceResults.LATENCY_MS).as(ACC_LATENCY),
        col(InferenceResults.DEVICE_MS).as(ACC_DEVICE));
  }

  /** Requests that could not be built (a missing variable): result rows with the error. */
  static Dataset<Row> unanswered(Dataset<Row> pending, String runId, InferSettings s) {
    List<Column> cols = new ArrayList<>();
    for (StructField f : FINAL.fields()) {
      cols.add(unansweredValue(f.name(), f.dataType(), runId, s).as(f.name()));
    }
    return pending.select(cols.toArray(Column[]::new));
  }

  private static Column unansweredValue(String name, DataType type, String runId, InferSettings s) {
    return switch (name) {
      case InferenceResults.RUN_ID -> lit(runId);
      case InferenceResults.REQUEST_ID, InferenceResults.PARAMS, InferenceResults.ERROR ->
          col(name);
      case InferenceResults.PROMPT_NAME -> lit(s.prompt() == null ? "" : s.prompt().name());
      case InferenceResults.PROMPT_VERSION -> lit(s.prompt() == null ? "" : s.prompt().version());
      case InferenceResults.MODEL_ALIAS -> col(ALIAS);
      case InferenceResults.CONTEXT_CHUNK_IDS -> col(CONTEXT_IDS);
      case InferenceResults.CACHE_HIT, InferenceResults.VALID -> lit(false);
      case InferenceResults.COST_USD, SAVED_USD, InferenceResults.DEVICE_MS -> lit(0.0);
      default ->
          type.equals(DataTypes.LongType)
              ? lit(0L)
              : type.equals(DataTypes.IntegerType) ? lit(0) : lit(null).cast(type);
    };
  }
}
