package dev.batchlm.llm.batch;

import dev.batchlm.llm.AnthropicChatModel;
import dev.batchlm.llm.ChatModel;
import dev.batchlm.llm.ChatModels;
import dev.batchlm.llm.OpenAiChatModel;
import dev.batchlm.llm.Route;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;

/** The {@link BatchApi} of a route that has one ({@link Route#batch()}). */
public final class BatchApis {
  private BatchApis() {}

  public static BatchApi forRoute(Route route, Configuration conf, long defaultMaxTokens) {
    if (!route.batch()) {
      throw new IllegalArgumentException(route.name() + ": no batch API (set batch = true)");
    }
    ChatModel chat = ChatModels.forRoute(route, conf, defaultMaxTokens);
    Duration timeout = Duration.ofMillis(route.timeoutMillis());
    return chat instanceof AnthropicChatModel a
        ? new AnthropicBatchApi(a, timeout)
        : new OpenAiBatchApi((OpenAiChatModel) chat, timeout);
  }
}
