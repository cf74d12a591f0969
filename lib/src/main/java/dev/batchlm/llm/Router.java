package dev.batchlm.llm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.doc.ContentHash;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Maps a model alias to its routes, in order. When some routes have a weight, they split the
 * requests between them (an A/B test): the share is chosen from a hash of the request id, so a
 * request takes the same arm on every run. Routes without weight are fallbacks, tried in order
 * after the chosen one when it fails retriably after its attempts, or when the prompt does not fit
 * its context. Without weights the first route answers and the others are fallbacks.
 *
 * <p>A routes file (HOCON or YAML) looks like:
 *
 * <pre>
 * aliases {
 *   qa {
 *     routes = [
 *       { name = vllm-llama, provider = openai, base-url = "http://vllm:8000/v1",
 *         model = "meta-llama/Llama-3.1-8B-Instruct", requests-per-minute = 600, unpriced = true }
 *       { name = claude, provider = anthropic, base-url = "https://api.anthropic.com/v1",
 *         model = "claude-3-5-haiku-20241022", api-key-env = ANTHROPIC_API_KEY }
 *     ]
 *   }
 * }
 * </pre>
 */
public final class Router implements Serializable {
  private static final Set<String> ROUTE_KEYS =
      Set.of(
          "name",
          "provider",
          "base-url",
          "model",
          "api-key-env",
          "api-key-file",
          "auth-header",
          "headers",
          "requests-per-minute",
          "tokens-per-minute",
          "max-context-tokens",
          "weight",
          "timeout-ms",
          "max-attempts",
          "unpriced",
          "adapter",
          "batch");

  private final String origin;
  private final Map<String, List<Route>> aliases;

  private Router(String origin, Map<String, List<Route>> aliases) {
    this.origin = origin;
    this.aliases = aliases;
  }

  /** One alias with one route: what the {@code infer.*} keys alone describe. */
  public static Router single(String alias, Route route) {
    return new Router("the infer.* keys", Map.of(alias, List.of(route)));
  }

  /**
   * Parses a routes file; {@code defaults} supplies timeout-ms and max-attempts of routes that do
   * not set them.
   */
  public static Router parse(String origin, String text, long timeoutMillis, int maxAttempts) {
    Config file = BatchConfig.parseFile(origin, text).config();
    if (!file.hasPath("aliases") || file.getObject("aliases").isEmpty()) {
      throw new ConfigException(origin + ": no aliases { <alias> { routes = [...] } } defined");
    }
    Map<String, List<Route>> aliases = new TreeMap<>();
    Map<String, String> routeNames = new LinkedHashMap<>();
    ConfigObject all = file.getObject("aliases");
    for (String alias : all.keySet()) {
      String where = origin + ": aliases." + alias;
      Config a = all.toConfig().getConfig(quoted(alias));
      if (!a.hasPath("routes") || a.getConfigList("routes").isEmpty()) {
        throw new ConfigException(where + " has no routes = [...]");
      }
      List<Route> routes = new ArrayList<>();
      List<? extends Config> list = a.getConfigList("routes");
      for (int i = 0; i < list.size(); i++) {
        Route r = route(where + ".routes[" + i + "]", list.get(i), timeoutMillis, maxAttempts);
        String previous = routeNames.put(r.name(), where);
        if (previous != null) {
          throw new ConfigException(
              where + ": route name '" + r.name() + "' is also used in " + previous);
        }
        routes.add(r);
      }
      aliases.put(alias, List.copyOf(routes));
    }
    return new Router(origin, aliases);
  }

  private static Route route(String where, Config c, long timeoutMillis, int maxAttempts) {
    for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
      if (!ROUTE_KEYS.contains(e.getKey())) {
        throw new ConfigException(
            where
                + ": unknown key '"
                + e.getKey()
                + "' (known: "
                + String.join(", ", new java.util.TreeSet<>(ROUTE_KEYS))
                + ")");
      }
    }
    try {
      String provider = c.hasPath("provider") ? c.getString("provider") : OpenAiChatModel.FAMILY;
      for (String required : List.of("name", "base-url", "model")) {
        boolean optional = required.equals("base-url") && provider.equals(LocalChatModel.FAMILY);
        if (!optional && (!c.hasPath(required) || c.getString(required).isBlank())) {
          throw new ConfigException(where + ": '" + required + "' is not set");
        }
      }
      if (!Route.PROVIDERS.contains(provider)) {
        throw new ConfigException(
            where + ": provider '" + provider + "' is not one of " + Route.PROVIDERS);
      }
      Map<String, String> headers = new TreeMap<>();
      if (c.hasPath("headers")) {
        c.getObject("headers").unwrapped().forEach((k, v) -> headers.put(k, String.valueOf(v)));
      }
      Route r =
          new Route(
              c.getString("name"),
              provider,
              c.hasPath("base-url") ? c.getString("base-url") : "",
              c.getString("model"),
              c.hasPath("api-key-env") ? c.getString("api-key-env") : "",
              c.hasPath("api-key-file") ? c.getString("api-key-file") : "",
              c.hasPath("auth-header") ? c.getString("auth-header") : null,
              headers,
              c.hasPath("requests-per-minute") ? c.getDouble("requests-per-minute") : 0,
              c.hasPath("tokens-per-minute") ? c.getDouble("tokens-per-minute") : 0,
              c.hasPath("max-context-tokens") ? c.getLong("max-context-tokens") : 0,
              c.hasPath("weight") ? c.getDouble("weight") : 0,
              c.hasPath("timeout-ms") ? c.getLong("timeout-ms") : timeoutMillis,
              c.hasPath("max-attempts") ? c.getInt("max-attempts") : maxAttempts,
              c.hasPath("unpriced") && c.getBoolean("unpriced"),
              c.hasPath("adapter") ? c.getString("adapter") : "",
              c.hasPath("batch")
                  ? c.getBoolean("batch")
                  : Route.batchByDefault(
                      provider, c.hasPath("base-url") ? c.getString("base-url") : ""));
      if (r.weight() < 0 || r.maxAttempts() < 1 || r.timeoutMillis() < 1) {
        throw new ConfigException(where + ": weight must be >= 0, max-attempts and timeout-ms > 0");
      }
      return r;
    } catch (com.typesafe.config.ConfigException | IllegalArgumentException e) {
      throw new ConfigException(where + ": " + e.getMessage(), e);
    }
  }

  private static String quoted(String key) {
    return "\"" + key.replace("\"", "\\\"") + "\"";
  }

  /** Fails naming the alias and the known ones when {@code alias} has no routes. */
  public List<Route> routes(String alias) {
    List<Route> routes = aliases.get(alias);
    if (routes == null) {
      throw new ConfigException(
          "Unknown model alias '"
              + alias
              + "' (defined in "
              + origin
              + ": "
              + String.join(", ", aliases.keySet())
              + ")");
    }
    return routes;
  }

  /** Every route of every alias. */
  /** The same aliases with every route replaced by {@code f(route)}. */
  public Router map(java.util.function.UnaryOperator<Route> f) {
    Map<String, List<Route>> mapped = new java.util.LinkedHashMap<>();
    aliases.forEach((alias, routes) -> mapped.put(alias, routes.stream().map(f).toList()));
    return new Router(origin, mapped);
  }

  /** The model aliases this router answers. */
  public java.util.Set<String> aliases() {
    return aliases.keySet();
  }

  public List<Route> all() {
    return aliases.values().stream().flatMap(List::stream).toList();
  }

  /**
   * The routes to try for one request, in order: the weighted arm chosen for its id (or the first
   * route when none has a weight), then the fallbacks.
   */
  public List<Route> chain(String alias, String requestId) {
    List<Route> routes = routes(alias);
    double total = routes.stream().mapToDouble(Route::weight).sum();
    Route first = routes.get(0);
    if (total > 0) {
      double u = unitHash(requestId) * total;
      for (Route r : routes) {
        if (r.weight() > 0) {
          first = r;
          u -= r.weight();
          if (u < 0) {
            break;
          }
        }
      }
    }
    List<Route> chain = new ArrayList<>();
    chain.add(first);
    for (Route r : routes) {
      if (r != first && (total == 0 || r.weight() == 0)) {
        chain.add(r);
      }
    }
    return chain;
  }

  /** A number in [0, 1) from the request id's SHA-256: the same on every run and machine. */
  static double unitHash(String requestId) {
    String hex = ContentHash.sha256(requestId);
    return Long.parseUnsignedLong(hex.substring(0, 13), 16) / (double) (1L << 52);
  }
}
