package dev.batchlm.llm;

import static java.util.Objects.requireNonNull;

import dev.batchlm.nn.CheckpointIdentity;
import java.io.Serializable;
import java.util.Map;

/**
 * One way to answer a model alias: a provider ({@code openai} for any OpenAI-compatible server, or
 * {@code anthropic}), its base URL and model, where its API key comes from (an environment variable
 * or a file, any Hadoop path; never the key itself), its limits (per minute for the whole cluster;
 * ≤ 0 is unlimited), its context window (0: unknown) and its share of a weighted A/B split (0: a
 * fallback only). {@code unpriced} marks a route with no price on purpose (a self-hosted server):
 * its rows carry no cost instead of failing the run.
 *
 * <p>A {@code local} route's model is a checkpoint folder, optionally with a LoRA {@code adapter}
 * folder (PEFT's layout) applied to it. Before a run uses it, {@link #portable} names it by its
 * {@link CheckpointIdentity} (folder name and weights hash, then {@code +} the adapter's) and keeps
 * the folder as its {@link #checkpoint()}, so tables and cache keys never hold a machine's path and
 * answers of different adapters never share a cache key.
 *
 * <p>{@code batch}: the route's provider has a Batch API ({@code /files} + {@code /batches} for
 * OpenAI's family, Message Batches for Anthropic), which {@code infer.mode = batch | auto} uses.
 */
public record Route(
    String name,
    String provider,
    String baseUrl,
    String model,
    String apiKeyEnv,
    String apiKeyFile,
    String authHeader,
    Map<String, String> headers,
    double requestsPerMinute,
    double tokensPerMinute,
    long maxContextTokens,
    double weight,
    long timeoutMillis,
    int maxAttempts,
    boolean unpriced,
    String adapter,
    boolean batch)
    implements Serializable {
  public static final java.util.List<String> PROVIDERS =
      java.util.List.of(OpenAiChatModel.FAMILY, AnthropicChatModel.FAMILY, LocalChatModel.FAMILY);

  public Route {
    requireNonNull(name, "name");
    requireNonNull(provider, "provider");
    requireNonNull(baseUrl, "baseUrl");
    requireNonNull(model, "model");
    apiKeyEnv = apiKeyEnv == null ? "" : apiKeyEnv;
    apiKeyFile = apiKeyFile == null ? "" : apiKeyFile;
    authHeader = authHeader == null ? "Authorization" : authHeader;
    headers = Map.copyOf(headers == null ? Map.of() : headers);
    adapter = adapter == null ? "" : adapter;
    if (batch && provider.equals(LocalChatModel.FAMILY)) {
      throw new IllegalArgumentException(
          "route " + name + ": a local route has no batch API; set batch = false");
    }
    if (!adapter.isEmpty() && !provider.equals(LocalChatModel.FAMILY)) {
      throw new IllegalArgumentException(
          "route "
              + name
              + ": an adapter applies to local routes; serve a remote one as its own model");
    }
  }

  /** A local route's checkpoint folder (any Hadoop path), once {@link #portable}. */
  public String checkpoint() {
    return baseUrl;
  }

  /**
   * This route with a local checkpoint named by its portable identity ({@code id(folder)}); the
   * folder moves to {@link #checkpoint()}. A route named after the folder takes the id as its name.
   * Other routes, and routes already portable, are returned as they are.
   */
  public Route portable(java.util.function.UnaryOperator<String> id) {
    if (!provider.equals(LocalChatModel.FAMILY) || !baseUrl.isEmpty()) {
      return this;
    }
    String portableId = id.apply(model) + (adapter.isEmpty() ? "" : "+" + id.apply(adapter));
    return new Route(
        name.equals(model) ? portableId : name,
        provider,
        model,
        portableId,
        apiKeyEnv,
        apiKeyFile,
        authHeader,
        headers,
        requestsPerMinute,
        tokensPerMinute,
        maxContextTokens,
        weight,
        timeoutMillis,
        maxAttempts,
        unpriced,
        adapter,
        batch);
  }

  /**
   * Whether a route has a Batch API when its routes file does not say: OpenAI's and Anthropic's own
   * servers do; other OpenAI-compatible servers (vLLM, llama.cpp) mostly do not.
   */
  public static boolean batchByDefault(String provider, String baseUrl) {
    String host = baseUrl.isEmpty() ? "" : java.net.URI.create(baseUrl).getHost();
    return (provider.equals(OpenAiChatModel.FAMILY) && "api.openai.com".equals(host))
        || (provider.equals(AnthropicChatModel.FAMILY) && "api.anthropic.com".equals(host));
  }

  /** Where the key comes from, for messages: never the key. */
  public String keySource() {
    return !apiKeyEnv.isEmpty()
        ? "environment variable " + apiKeyEnv
        : !apiKeyFile.isEmpty() ? "file " + apiKeyFile : "none";
  }
}
