package dev.batchlm.spark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Heavy objects (extractors, tokenizers, models) built once per executor JVM and shared by all its
 * tasks. Values must be thread-safe. Keys should include everything the value is built from, so
 * that two jobs in one JVM with different settings get different instances. A value's supplier may
 * itself get other values (a chunker its tokenizer): each key has its own lock, so building one
 * value blocks only the tasks that wait for that value.
 */
public final class ExecutorCache {
  private static final Map<String, Object> VALUES = new ConcurrentHashMap<>();
  private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();

  private ExecutorCache() {}

  @SuppressWarnings("unchecked")
  public static <T> T get(String key, Supplier<T> make) {
    Object value = VALUES.get(key);
    if (value == null) {
      // Not computeIfAbsent: a supplier that calls get() again would be a recursive update.
      synchronized (LOCKS.computeIfAbsent(key, k -> new Object())) {
        value = VALUES.get(key);
        if (value == null) {
          value = make.get();
          VALUES.put(key, value);
        }
      }
    }
    return (T) value;
  }
}
