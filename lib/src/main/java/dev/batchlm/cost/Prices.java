package dev.batchlm.cost;

import com.typesafe.config.Config;
import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.llm.Route;
import dev.batchlm.nn.CheckpointIdentity;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The price table ({@code conf/prices.conf}, under version control): a list of {@code { provider,
 * model, input, cached-input, output, batch-discount }} in USD per million tokens, or {@code {
 * provider = local, model, device-hour }} in USD per hour of device time. A route whose model has
 * no price fails the run before any call, unless the route is marked {@code unpriced}. Values may
 * use HOCON substitutions, environment variables included ({@code model = ${MODELS}"/smollm"}).
 */
public final class Prices implements Serializable {
  private final String origin;
  private final Map<String, Price> byModel;

  private Prices(String origin, Map<String, Price> byModel) {
    this.origin = origin;
    this.byModel = byModel;
  }

  public static Prices parse(String origin, String text) {
    Config c;
    try { // ${NAME} substitutions may name environment variables
      c = BatchConfig.parseFile(origin, text).config().resolve();
    } catch (com.typesafe.config.ConfigException e) {
      throw new ConfigException(origin + ": " + e.getMessage(), e);
    }
    Map<String, Price> prices = new TreeMap<>();
    if (!c.hasPath("prices")) {
      throw new ConfigException(origin + ": no prices = [...] list");
    }
    List<? extends Config> list = c.getConfigList("prices");
    for (int i = 0; i < list.size(); i++) {
      Config p = list.get(i);
      String where = origin + ": prices[" + i + "]";
      try {
        boolean device = p.hasPath("device-hour");
        double input = device && !p.hasPath("input") ? 0 : p.getDouble("input");
        Price price =
            new Price(
                input,
                p.hasPath("cached-input") ? p.getDouble("cached-input") : input,
                device && !p.hasPath("output") ? 0 : p.getDouble("output"),
                p.hasPath("batch-discount") ? p.getDouble("batch-discount") : 0,
                device ? p.getDouble("device-hour") : 0);
        if (price.inputPerMillion() < 0
            || price.cachedInputPerMillion() < 0
            || price.outputPerMillion() < 0
            || price.deviceHour() < 0) {
          throw new ConfigException(where + ": prices must be >= 0");
        }
        String key = key(p.getString("provider"), p.getString("model"));
        if (prices.put(key, price) != null) {
          throw new ConfigException(where + ": " + key + " is priced twice");
        }
      } catch (com.typesafe.config.ConfigException e) {
        throw new ConfigException(where + ": " + e.getMessage(), e);
      }
    }
    return new Prices(origin, prices);
  }

  private static String key(String provider, String model) {
    return provider + "/" + model;
  }

  /** A local checkpoint's price by its folder name; empty when the table has none. */
  public Optional<Price> forLocalModel(String folderName) {
    return Optional.ofNullable(byModel.get(key("local", folderName)));
  }

  /** The route's price; empty for an {@code unpriced} route; an error when it has none. */
  public Optional<Price> forRoute(Route route) {
    if (route.unpriced()) {
      return Optional.empty();
    }
    Price p = byModel.get(key(route.provider(), route.model()));
    if (p == null) { // a local checkpoint may be priced by its folder name, whatever its weights
      p = byModel.get(key(route.provider(), CheckpointIdentity.folderName(route.model())));
    }
    if (p == null) {
      throw new ConfigException(
          "No price for "
              + key(route.provider(), route.model())
              + " (route "
              + route.name()
              + ") in "
              + origin
              + ": add it there, or mark the route unpriced (infer.unpriced = true, or"
              + " unpriced = true in the routes file) to run without cost accounting");
    }
    return Optional.of(p);
  }
}
