package dev.batchlm.llm;

import java.time.Duration;
import org.apache.hadoop.conf.Configuration;

/**
 * Builds the {@link ChatModel} of a {@link Route}, with its key read on the calling JVM; a local
 * checkpoint is loaded once per JVM (a local path, for now).
 */
public final class ChatModels {
  private ChatModels() {}

  /**
   * @param defaultMaxTokens for providers that require max_tokens when a request has none
   */
  public static ChatModel forRoute(Route route, Configuration conf, long defaultMaxTokens) {
    if (route.provider().equals(LocalChatModel.FAMILY)) {
      return LocalChatModel.shared(java.nio.file.Path.of(route.model()), defaultMaxTokens);
    }
    String key = Secrets.apiKey(route, conf);
    Duration timeout = Duration.ofMillis(route.timeoutMillis());
    return route.provider().equals(AnthropicChatModel.FAMILY)
        ? new AnthropicChatModel(
            route.baseUrl(), route.model(), key, route.headers(), defaultMaxTokens, timeout)
        : new OpenAiChatModel(
            route.baseUrl(), route.model(), key, route.authHeader(), route.headers(), timeout);
  }
}
