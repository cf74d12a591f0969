package dev.batchlm.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Heavy objects (extractors, tokenizers, models) built once per executor JVM and shared by all its
 * tasks. Values must be thread-safe. Keys should include everything the value is built from, so
 * that two jobs in one JVM with different settings get different instances.
 */
public final class ExecutorCache {
  private static final Map<String, Object> VALUES = new ConcurrentHashMap<>();

  private ExecutorCache() {}

  @SuppressWarnings("unchecked")
  public static <T> T get(String key, Supplier<T> make) {
    return (T) VALUES.computeIfAbsent(key, k -> make.get());
  }
}
