package dev.batchlm.pipeline.infer;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.config.Resources;
import dev.batchlm.cost.Price;
import dev.batchlm.cost.Prices;
import dev.batchlm.infer.BatchRunner;
import dev.batchlm.llm.LocalChatModel;
import dev.batchlm.llm.OutputValidator;
import dev.batchlm.llm.Route;
import dev.batchlm.llm.Router;
import dev.batchlm.llm.Secrets;
import dev.batchlm.nn.CheckpointIdentity;
import dev.batchlm.prompt.PromptTemplate;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;

/**
 * Everything an infer run is configured with, checked on the driver before any call (prompt,
 * schema, routes, prices, keys), and shipped to the executors. Holds no secret: executors read keys
 * from their own environment or the key files.
 */
public record InferSettings(
    String input,
    String format,
    String idColumn,
    String messagesColumn,
    PromptTemplate prompt,
    String alias,
    Router router,
    Prices prices,
    String cacheMode,
    int maxConcurrency,
    long requestBudgetMillis,
    long maxTokens,
    int maxRepairs,
    double budgetUsd,
    boolean rag,
    String ragMethod,
    String ragQueryColumn,
    int ragTopK,
    long ragBudgetTokens,
    LocalChatModel.Options local,
    String mode,
    double deadlineHours,
    BatchRunner.Settings batch)
    implements Serializable {
  public static InferSettings from(BatchConfig config, Configuration conf) {
    String input =
        config.require(ConfigKeys.INFER_INPUT, "point it at a table of requests (--input PATH)");
    String format = config.get(ConfigKeys.INFER_FORMAT);
    String messagesColumn = config.get(ConfigKeys.INFER_MESSAGES_COLUMN);
    PromptTemplate prompt = null;
    if (config.isSet(ConfigKeys.INFER_PROMPT)) {
      prompt = PromptTemplate.load(promptFolder(config), conf);
    } else if (!format.equals("openai-batch") && messagesColumn.isEmpty()) {
      throw new ConfigException(
          "infer.prompt is not set: name a prompt folder (conf/prompts/<name>), or set"
              + " infer.messages-column for ready messages, or use infer.format=openai-batch");
    }
    String alias = config.get(ConfigKeys.INFER_MODEL);
    if (alias.isEmpty() && !format.equals("openai-batch")) {
      throw new ConfigException(
          "infer.model is not set: the model alias to call (a name in infer.routes, or the model"
              + " served at infer.base-url)");
    }
    long timeout = config.get(ConfigKeys.INFER_TIMEOUT_MS);
    int attempts = config.get(ConfigKeys.INFER_MAX_ATTEMPTS);
    Router router;
    if (config.isSet(ConfigKeys.INFER_ROUTES)) {
      String routes = config.get(ConfigKeys.INFER_ROUTES);
      router =
          Router.parse(routes, Resources.read(routes, conf, "infer.routes"), timeout, attempts);
    } else {
      String provider = config.get(ConfigKeys.INFER_PROVIDER);
      if (!provider.equals(LocalChatModel.FAMILY) && config.isSet(ConfigKeys.INFER_LOCAL_ADAPTER)) {
        throw new ConfigException(
            "infer.local.adapter applies to infer.provider=local; a server such as vLLM serves an"
                + " adapter as a model of its own (name it in infer.model)");
      }
      boolean local = provider.equals(LocalChatModel.FAMILY);
      // a local model is the checkpoint folder: the route names it portably, alias included
      String baseUrl =
          local
              ? ""
              : config.require(
                  ConfigKeys.INFER_BASE_URL,
                  "the server to call, e.g. http://vllm:8000/v1 (or set infer.routes)");
      Route route =
          new Route(
                  alias,
                  provider,
                  baseUrl,
                  alias,
                  config.get(ConfigKeys.INFER_API_KEY_ENV),
                  config.get(ConfigKeys.INFER_API_KEY_FILE),
                  null,
                  Map.of(),
                  config.get(ConfigKeys.INFER_REQUESTS_PER_MINUTE),
                  config.get(ConfigKeys.INFER_TOKENS_PER_MINUTE),
                  0,
                  0,
                  timeout,
                  attempts,
                  config.get(ConfigKeys.INFER_UNPRICED),
                  config.get(ConfigKeys.INFER_LOCAL_ADAPTER),
                  config.isSet(ConfigKeys.INFER_BATCH_API)
                      ? config.get(ConfigKeys.INFER_BATCH_API)
                      : Route.batchByDefault(provider, baseUrl))
              .portable(folder -> checkpointId(folder, conf));
      alias = route.name();
      router = Router.single(alias, route);
    }
    // local checkpoints are named by folder and weights hash, on the driver, once
    router = router.map(r -> r.portable(folder -> checkpointId(folder, conf)));
    String pricesAt = config.get(ConfigKeys.INFER_PRICES);
    Prices prices = Prices.parse(pricesAt, Resources.read(pricesAt, conf, "infer.prices"));
    return new InferSettings(
        input,
        format,
        config.get(ConfigKeys.INFER_ID_COLUMN),
        messagesColumn,
        prompt,
        alias,
        router,
        prices,
        config.get(ConfigKeys.INFER_CACHE),
        config.get(ConfigKeys.INFER_MAX_CONCURRENCY),
        config.get(ConfigKeys.INFER_REQUEST_BUDGET_MS),
        config.get(ConfigKeys.INFER_MAX_TOKENS),
        config.get(ConfigKeys.INFER_MAX_REPAIRS),
        config.get(ConfigKeys.INFER_BUDGET_USD),
        config.get(ConfigKeys.INFER_RAG),
        config.get(ConfigKeys.INFER_RAG_METHOD),
        config.get(ConfigKeys.INFER_RAG_QUERY_COLUMN),
        config.get(ConfigKeys.INFER_RAG_TOP_K),
        config.get(ConfigKeys.INFER_RAG_BUDGET_TOKENS),
        new LocalChatModel.Options(
            config.get(ConfigKeys.INFER_LOCAL_BATCH),
            config.get(ConfigKeys.INFER_LOCAL_MAX_LENGTH),
            config.get(ConfigKeys.INFER_LOCAL_PROMPT_OVERFLOW).equals("truncate")),
        config.get(ConfigKeys.INFER_MODE),
        config.get(ConfigKeys.INFER_DEADLINE_HOURS),
        new BatchRunner.Settings(
            config.get(ConfigKeys.INFER_BATCH_MAX_REQUESTS),
            config.get(ConfigKeys.INFER_BATCH_MAX_BYTES),
            seconds(config.get(ConfigKeys.INFER_BATCH_POLL_SECONDS)),
            seconds(config.get(ConfigKeys.INFER_BATCH_MAX_POLL_SECONDS)),
            seconds(60 * config.get(ConfigKeys.INFER_BATCH_WAIT_MINUTES)),
            config.get(ConfigKeys.INFER_BATCH_RETRY)));
  }

  private static Duration seconds(double s) {
    return Duration.ofNanos((long) (s * 1e9));
  }

  /** A batch has up to a day: {@code auto} uses it only when the run may take that long. */
  private static final double BATCH_WINDOW_HOURS = 24;

  /**
   * Whether the first calls of this route go through its Batch API: {@code infer.mode = batch}, or
   * {@code auto} with no deadline shorter than a batch's window.
   */
  boolean batched(Route route) {
    return route.batch()
        && (mode.equals("batch")
            || (mode.equals("auto")
                && (deadlineHours == 0 || deadlineHours >= BATCH_WINDOW_HOURS)));
  }

  /** The routes a request may start on: the weighted arms, or the first route. */
  private static Stream<Route> firstRoutes(List<Route> routes) {
    return routes.stream().anyMatch(r -> r.weight() > 0)
        ? routes.stream().filter(r -> r.weight() > 0)
        : routes.stream().limit(1);
  }

  /**
   * In {@code infer.mode = batch}, every route the requests start on must have a Batch API; the
   * error names those that do not and how to say they do.
   */
  void checkBatchRoutes(List<String> aliases) {
    if (!mode.equals("batch")) {
      return;
    }
    List<String> without =
        aliases.stream()
            .flatMap(a -> firstRoutes(router.routes(a)))
            .filter(r -> !r.batch())
            .map(Route::name)
            .distinct()
            .toList();
    if (!without.isEmpty()) {
      throw new ConfigException(
          "infer.mode = batch, but route(s) "
              + without
              + " have no Batch API: set batch = true on the route in infer.routes (or"
              + " infer.batch-api = true) if the server implements /files and /batches, or use"
              + " infer.mode = auto to call those synchronously");
    }
  }

  /**
   * Checks the aliases the requests use, on the driver before any call: each must have routes,
   * every route a key (when it names one) and a price (unless unpriced).
   */
  void checkAliases(List<String> aliases, Configuration conf) {
    for (String a : aliases) {
      for (Route r : router.routes(a)) {
        Secrets.apiKey(r, conf);
        prices.forRoute(r);
      }
    }
  }

  /** The folder of {@code infer.prompt}: a path, or a name in {@code infer.prompts-dir}. */
  private static String promptFolder(BatchConfig config) {
    String p = config.get(ConfigKeys.INFER_PROMPT);
    return p.contains("/") || p.contains(":")
        ? p
        : Resources.child(config.get(ConfigKeys.INFER_PROMPTS_DIR), p);
  }

  /** The files the config names (prompt folder, routes, prices), which a run reads. */
  public static List<String> configFiles(BatchConfig config) {
    List<String> files = new java.util.ArrayList<>();
    if (config.isSet(ConfigKeys.INFER_PROMPT)) {
      files.add(promptFolder(config));
    }
    if (config.isSet(ConfigKeys.INFER_ROUTES)) {
      files.add(config.get(ConfigKeys.INFER_ROUTES));
    }
    files.add(config.get(ConfigKeys.INFER_PRICES));
    return files;
  }

  /**
   * The local checkpoint and adapter folders behind these aliases: inputs of the run, for its
   * manifest.
   */
  List<String> checkpoints(List<String> aliases) {
    return aliases.stream()
        .flatMap(a -> router.routes(a).stream())
        .filter(r -> r.provider().equals(LocalChatModel.FAMILY))
        .flatMap(
            r ->
                r.adapter().isEmpty()
                    ? Stream.of(r.checkpoint())
                    : Stream.of(r.checkpoint(), r.adapter()))
        .distinct()
        .toList();
  }

  /** The routes behind these aliases by name (portable: never a checkpoint's path). */
  List<String> routeNames(List<String> aliases) {
    return aliases.stream()
        .flatMap(a -> router.routes(a).stream())
        .map(Route::name)
        .distinct()
        .toList();
  }

  Optional<Price> price(Route route) {
    return prices.forRoute(route);
  }

  private static String checkpointId(String folder, Configuration conf) {
    try {
      return CheckpointIdentity.id(folder, CheckpointIdentity.weightsSha256(folder, conf));
    } catch (IllegalArgumentException e) {
      throw new ConfigException("infer.model: " + e.getMessage(), e);
    }
  }

  String promptName() {
    return prompt == null ? "" : prompt.name();
  }

  String promptVersion() {
    return prompt == null ? "" : prompt.version();
  }

  boolean readsCache() {
    return cacheMode.equals("read-write") || cacheMode.equals("read-only");
  }

  /** Whether some alias has a further route to fall back on (and so a request further keys). */
  boolean hasFallbacks() {
    return router().aliases().stream().anyMatch(a -> router().routes(a).size() > 1);
  }

  boolean writesCache() {
    return cacheMode.equals("read-write") || cacheMode.equals("refresh");
  }

  /** The validator of a request: its schema (the prompt's or its own) plus the prompt's rules. */
  OutputValidator validator(String schemaJson, Map<String, OutputValidator> memo) {
    String key = schemaJson == null ? "" : schemaJson;
    return memo.computeIfAbsent(
        key,
        k -> {
          try {
            return new OutputValidator(
                k.isEmpty() ? null : new com.fasterxml.jackson.databind.ObjectMapper().readTree(k),
                prompt == null ? "" : prompt.regex(),
                prompt == null ? List.of() : prompt.allowed(),
                prompt == null ? "the request's response_format" : "prompt " + prompt.name());
          } catch (IOException e) {
            throw new ConfigException("response_format schema is not JSON: " + e.getMessage(), e);
          }
        });
  }
}
