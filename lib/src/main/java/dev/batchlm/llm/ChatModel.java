package dev.batchlm.llm;

/**
 * A chat model behind one provider's API: implementations translate a {@link ChatRequest} to their
 * wire format, make exactly one call and translate the answer back, throwing {@link LlmException}s
 * mapped by {@link HttpErrors}. Everything shared (retries, rate limits, fallbacks, the cache,
 * validation, cost) lives around them in {@link ChatClient}, {@link Router} and the infer job,
 * written once. Implementations are thread-safe.
 */
public interface ChatModel {
  /** The provider family for cache keys and prices: {@code openai}, {@code anthropic}, ... */
  String family();

  /** The model name sent to the provider. */
  String model();

  /** One call, no retries. */
  ChatResponse chat(ChatRequest request);
}
