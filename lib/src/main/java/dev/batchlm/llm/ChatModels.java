package dev.batchlm.llm;

import java.time.Duration;
import org.apache.hadoop.conf.Configuration;

/**
 * Builds the {@link ChatModel} of a remote {@link Route} (OpenAI-compatible or Anthropic), with its
 * key read on the calling JVM. A {@code local} route's {@link LocalChatModel} is loaded once per
 * executor by the job instead.
 */
public final class ChatModels {
  private ChatModels() {}

  /**
   * @param defaultMaxTokens for providers that require max_tokens when a request has none
   */
  public static ChatModel forRoute(Route route, Configuration conf, long defaultMaxTokens) {
    if (route.provider().equals(LocalChatModel.FAMILY)) {
      throw new IllegalArgumentException(route.name() + ": a local route has no remote client");
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
