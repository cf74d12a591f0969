package dev.batchlm.config;

import static java.util.Objects.requireNonNull;

/**
 * One configuration key: its dotted kebab-case name, the type and rule of its value, its default as
 * HOCON text ({@code null} when the key has no default and must be set when used), and one line of
 * help; {@code --help} and docs/config.md are made from these declarations.
 */
public record ConfigKey<T>(
    String name, ValueType<T> type, String defaultValue, String description) {
  public ConfigKey {
    requireNonNull(name, "name");
    requireNonNull(type, "type");
    requireNonNull(description, "description");
  }

  /** The first dotted segment: the job (or {@code run}/{@code output}) the key belongs to. */
  public String scope() {
    int dot = name.indexOf('.');
    return dot < 0 ? name : name.substring(0, dot);
  }

  /** Keys whose values are secrets are masked in manifests, logs and errors. */
  public boolean secret() {
    return isSecretName(name);
  }

  static boolean isSecretName(String key) {
    String last = key.substring(key.lastIndexOf('.') + 1);
    return last.endsWith("api-key")
        || last.endsWith("secret")
        || last.endsWith("password")
        || last.endsWith("credentials");
  }
}
