package dev.batchlm.llm;

import static java.util.Objects.requireNonNull;

import java.io.Serializable;
import java.util.Map;

/**
 * One way to answer a model alias: a provider ({@code openai} for any OpenAI-compatible server, or
 * {@code anthropic}), its base URL and model, where its API key comes from (an environment variable
 * or a file, any Hadoop path; never the key itself), its limits (per minute for the whole cluster;
 * ≤ 0 is unlimited), its context window (0: unknown) and its share of a weighted A/B split (0: a
 * fallback only). {@code unpriced} marks a route with no price on purpose (a self-hosted server):
 * its rows carry no cost instead of failing the run.
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
    boolean unpriced)
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
  }

  /** Where the key comes from, for messages: never the key. */
  public String keySource() {
    return !apiKeyEnv.isEmpty()
        ? "environment variable " + apiKeyEnv
        : !apiKeyFile.isEmpty() ? "file " + apiKeyFile : "none";
  }
}
