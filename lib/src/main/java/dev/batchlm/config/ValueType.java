package dev.batchlm.config;

import com.typesafe.config.Config;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * What a config key's value is: how it is read from HOCON, and the rule it must meet, said once in
 * the key's declaration ({@link ConfigKeys}) for the reader, {@code --help} and docs/config.md.
 */
public final class ValueType<T> implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Reads a path of a resolved HOCON config; Typesafe's exceptions for a wrong type. */
  interface Reader<T> extends Serializable {
    T read(Config config, String path);
  }

  /** Whether a read value meets the rule. */
  interface Rule<T> extends Serializable {
    boolean test(T value);
  }

  private final String kind;
  private final String rule;
  private final String description;
  private final Reader<T> reader;
  private final Rule<T> allows;

  private ValueType(String kind, String rule, Reader<T> reader, Rule<T> allows) {
    this(kind, rule, rule == null ? kind : kind + " " + rule, reader, allows);
  }

  private ValueType(
      String kind, String rule, String description, Reader<T> reader, Rule<T> allows) {
    this.kind = kind;
    this.rule = rule;
    this.description = description;
    this.reader = reader;
    this.allows = allows;
  }

  public static ValueType<String> text() {
    return new ValueType<>("a string", null, Config::getString, v -> true);
  }

  public static ValueType<Boolean> flag() {
    return new ValueType<>("true or false", null, Config::getBoolean, v -> true);
  }

  public static ValueType<Integer> integer(int min) {
    return new ValueType<>("an integer", ">= " + min, Config::getInt, v -> v >= min);
  }

  /** A 64-bit integer; {@code Long.MIN_VALUE} as {@code min} allows any. */
  public static ValueType<Long> longInteger(long min) {
    return new ValueType<>(
        "an integer", min == Long.MIN_VALUE ? null : ">= " + min, Config::getLong, v -> v >= min);
  }

  /** A number in [min, max]; {@code Double.MAX_VALUE} as {@code max} is no upper bound. */
  public static ValueType<Double> number(double min, double max) {
    return new ValueType<>(
        "a number",
        max == Double.MAX_VALUE
            ? ">= " + plain(min)
            : "in [" + plain(min) + ", " + plain(max) + "]",
        Config::getDouble,
        v -> v >= min && v <= max);
  }

  /** One of these lower-case words (the value is read case-insensitively, lower-cased). */
  public static ValueType<String> choice(List<String> allowed) {
    List<String> words = List.copyOf(allowed);
    String rule = "one of " + String.join(", ", words);
    return new ValueType<>(
        "a string", rule, rule, (c, p) -> c.getString(p).toLowerCase(Locale.ROOT), words::contains);
  }

  public static ValueType<List<String>> list() {
    return new ValueType<>("a list of strings", null, Config::getStringList, v -> true);
  }

  /** What a value of the wrong type is told it must be: {@code an integer}. */
  public String kind() {
    return kind;
  }

  /** What a value of the right type must meet, or null: {@code >= 1}, {@code one of a, b}. */
  public String rule() {
    return rule;
  }

  /** Both, for --help and docs: {@code an integer >= 1}, {@code one of jsonl, parquet}. */
  public String description() {
    return description;
  }

  T read(Config config, String path) {
    return reader.read(config, path);
  }

  boolean allows(T value) {
    return allows.test(value);
  }

  private static String plain(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
