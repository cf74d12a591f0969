package dev.batchlm.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException.BadValue;
import com.typesafe.config.ConfigException.WrongType;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A job's configuration: key defaults, overridden by a HOCON or YAML file, overridden by {@code
 * spark.batchlm.*} Spark properties, overridden by {@code --set key=value}. Every key is checked
 * against {@link ConfigKeys} when loaded, so a misspelt key fails before any work with its name.
 * Immutable and serializable (it travels to executors as a plain sorted map).
 */
public final class BatchConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String SPARK_PREFIX = "spark.batchlm.";
  private static final String MASK = "****";

  // HOCON renderings of the leaf values, by key: small, serializable, and enough to rebuild a
  // Config.
  private final TreeMap<String, String> values;
  private transient Config config;

  private BatchConfig(Config resolved) {
    this.config = resolved;
    this.values = new TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : resolved.entrySet()) {
      values.put(e.getKey(), e.getValue().render(ConfigRenderOptions.concise()));
    }
  }

  /** One layer of overrides with the place it came from, for error messages. */
  public record Layer(String origin, Config config) {}

  /**
   * Parses a config file's text: YAML for {@code .yaml}/{@code .yml}, HOCON (or JSON) otherwise.
   */
  public static Layer parseFile(String origin, String text) {
    try {
      if (origin.endsWith(".yaml") || origin.endsWith(".yml")) {
        Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        if (tree == null) {
          return new Layer(origin, ConfigFactory.empty());
        }
        if (!(tree instanceof Map<?, ?> map)) {
          throw new ConfigException("Invalid config file " + origin + ": top level must be a map");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) map;
        return new Layer(origin, ConfigValueFactory.fromMap(m).toConfig());
      }
      return new Layer(
          origin,
          ConfigFactory.parseString(
              text,
              ConfigParseOptions.defaults()
                  .setSyntax(ConfigSyntax.CONF)
                  .setOriginDescription(origin)));
    } catch (com.typesafe.config.ConfigException | org.yaml.snakeyaml.error.YAMLException e) {
      throw new ConfigException(
          "Invalid config file " + origin + ": " + firstLine(e.getMessage()), e);
    }
  }

  /** {@code s} as a quoted HOCON string, for a value of {@link #parsePairs} or {@link #with}. */
  public static String quoted(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /**
   * Parses {@code key=value} pairs (from {@code --set} or {@code spark.batchlm.*}); a value is read
   * as HOCON (numbers, lists, quoted strings) and falls back to the raw string.
   */
  public static Layer parsePairs(String origin, Map<String, String> pairs) {
    Config c = ConfigFactory.empty();
    for (Map.Entry<String, String> e : pairs.entrySet()) {
      String key = e.getKey().trim();
      if (key.isEmpty()) {
        throw new ConfigException("Invalid " + origin + ": empty key in '=" + e.getValue() + "'");
      }
      Object value;
      try {
        value = ConfigFactory.parseString("v = " + e.getValue()).getValue("v").unwrapped();
      } catch (com.typesafe.config.ConfigException ex) {
        value = e.getValue();
      }
      try {
        c = c.withValue(key, ConfigValueFactory.fromAnyRef(value, origin));
      } catch (com.typesafe.config.ConfigException ex) {
        throw new ConfigException(
            "Invalid key '" + key + "' in " + origin + ": " + ex.getMessage(), ex);
      }
    }
    return new Layer(origin, c);
  }

  /** Splits {@code --set} arguments of the form {@code key=value}. */
  public static Layer parseSets(List<String> sets) {
    Map<String, String> pairs = new TreeMap<>();
    for (String s : sets) {
      int eq = s.indexOf('=');
      if (eq <= 0) {
        throw new ConfigException("Invalid --set '" + s + "': expected key=value");
      }
      pairs.put(s.substring(0, eq), s.substring(eq + 1));
    }
    return parsePairs("--set", pairs);
  }

  /** Picks the {@code spark.batchlm.*} properties out of a Spark configuration's entries. */
  public static Layer fromSparkProperties(Map<String, String> sparkConf) {
    Map<String, String> pairs = new TreeMap<>();
    sparkConf.forEach(
        (k, v) -> {
          if (k.startsWith(SPARK_PREFIX)) {
            pairs.put(k.substring(SPARK_PREFIX.length()), v);
          }
        });
    return parsePairs("spark-submit --conf " + SPARK_PREFIX + "*", pairs);
  }

  /** Layers are given lowest precedence first; the key defaults lie under all of them. */
  public static BatchConfig load(List<Layer> layers) {
    Config merged = defaults();
    for (Layer layer : layers) {
      for (Map.Entry<String, ConfigValue> e : layer.config().entrySet()) {
        if (!ConfigKeys.all().containsKey(e.getKey())) {
          throw new ConfigException(
              "Unknown config key '"
                  + e.getKey()
                  + "' in "
                  + layer.origin()
                  + suggestion(e.getKey())
                  + ". `bin/batchlm JOB --help` lists the keys.");
        }
      }
      merged = layer.config().withFallback(merged);
    }
    return new BatchConfig(merged.resolve());
  }

  /**
   * This configuration with {@code pairs} (key → HOCON value) set over it: how one job runs another
   * with some keys changed (eval running infer for its judge).
   */
  public BatchConfig with(String origin, Map<String, String> pairs) {
    Layer layer = parsePairs(origin, pairs);
    for (Map.Entry<String, ConfigValue> e : layer.config().entrySet()) {
      if (!ConfigKeys.all().containsKey(e.getKey())) {
        throw new ConfigException("Unknown config key '" + e.getKey() + "' in " + origin);
      }
    }
    return new BatchConfig(layer.config().withFallback(config()).resolve());
  }

  public static BatchConfig defaultsOnly() {
    return load(List.of());
  }

  private static Config defaults() {
    StringBuilder hocon = new StringBuilder();
    for (ConfigKey k : ConfigKeys.all().values()) {
      if (k.defaultValue() != null) {
        hocon.append('"').append(k.name().replace(".", "\".\"")).append("\" = ");
        hocon.append(k.defaultValue()).append('\n');
      }
    }
    return ConfigFactory.parseString(hocon.toString());
  }

  private Config config() {
    if (config == null) {
      StringBuilder hocon = new StringBuilder();
      values.forEach(
          (k, v) ->
              hocon
                  .append('"')
                  .append(k.replace(".", "\".\""))
                  .append("\" = ")
                  .append(v)
                  .append('\n'));
      config = ConfigFactory.parseString(hocon.toString());
    }
    return config;
  }

  public boolean isSet(ConfigKey<?> key) {
    if (!config().hasPath(key.name())) {
      return false;
    }
    Object v = get(key);
    return !(v instanceof String text) || !text.isEmpty();
  }

  /** The key's value, of its declared type; a clear error naming the key and its rule otherwise. */
  public <T> T get(ConfigKey<T> key) {
    ValueType<T> type = key.type();
    if (!config().hasPath(key.name())) {
      throw new ConfigException(key.name() + " is not set (expected " + type.description() + ")");
    }
    T v;
    try {
      v = type.read(config(), key.name());
    } catch (WrongType | BadValue e) {
      throw invalid(key, String.valueOf(config().getValue(key.name()).unwrapped()), type.kind());
    }
    if (!type.allows(v)) {
      throw invalid(key, String.valueOf(v), type.rule());
    }
    return v;
  }

  /** The string value, or a clear error naming the key and how to set it. */
  public String require(ConfigKey<String> key, String hint) {
    if (!isSet(key)) {
      throw new ConfigException(key.name() + " is not set: " + hint);
    }
    return get(key);
  }

  /** Reads every key that has a value: a value of the wrong type fails here, before any work. */
  public void checkAll() {
    for (ConfigKey<?> k : ConfigKeys.all().values()) {
      if (config().hasPath(k.name())) {
        get(k);
      }
    }
    runDate();
  }

  public LocalDate runDate() {
    if (!isSet(ConfigKeys.RUN_DATE)) {
      return LocalDate.now(ZoneOffset.UTC);
    }
    String v = get(ConfigKeys.RUN_DATE);
    try {
      return LocalDate.parse(v);
    } catch (DateTimeParseException e) {
      throw invalid(ConfigKeys.RUN_DATE, v, "YYYY-MM-DD");
    }
  }

  /** Every set key with its value, secrets masked: for manifests and logs. */
  public Map<String, Object> masked() {
    Map<String, Object> out = new TreeMap<>();
    for (String k : values.keySet()) {
      out.put(k, ConfigKey.isSecretName(k) ? MASK : config().getValue(k).unwrapped());
    }
    return out;
  }

  private static ConfigException invalid(ConfigKey<?> key, String value, String rule) {
    String shown = key.secret() ? MASK : value;
    return new ConfigException("Invalid " + key.name() + ": " + shown + " (must be " + rule + ")");
  }

  private static String suggestion(String unknown) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : ConfigKeys.all().keySet()) {
      int d = editDistance(unknown, k);
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return bestDistance <= 3 ? " (did you mean '" + best + "'?)" : "";
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
