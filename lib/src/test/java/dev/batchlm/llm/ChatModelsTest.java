package dev.batchlm.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.testing.FakeLlmServer;
import dev.batchlm.testing.FakeLlmServer.Reply;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both providers against a loopback server, status by status with retries off, so that the one
 * error mapping is visible; the same contract holds for each.
 */
class ChatModelsTest {
  FakeLlmServer server;

  @BeforeEach
  void start() throws Exception {
    server = new FakeLlmServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A timeout no loaded machine reaches: only {@link FakeLlmServer#HANG} times out. */
  ChatModel model(String provider) {
    return model(provider, Duration.ofSeconds(60));
  }

  ChatModel model(String provider, Duration timeout) {
    return provider.equals("anthropic")
        ? new AnthropicChatModel(
            server.baseUrl(), "claude-x", "sk-ant-secret", Map.of(), 64, timeout)
        : new OpenAiChatModel(
            server.baseUrl(), "gpt-x", "sk-secret", "Authorization", Map.of(), timeout);
  }

  static ChatRequest request() {
    return new ChatRequest(
        List.of(ChatMessage.system("Be brief."), ChatMessage.user("What is 2+2?")),
        new com.fasterxml.jackson.databind.ObjectMapper()
            .createObjectNode()
            .put("temperature", 0)
            .put("stop", "\n\n"),
        null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void answersInTheProvidersWireFormat(String provider) {
    ChatResponse r = model(provider).chat(request());
    assertThat(r.text()).isEqualTo("echo: What is 2+2?");
    assertThat(r.finishReason()).isEqualTo("stop");
    assertThat(r.usage().input()).isPositive();
    assertThat(r.usage().output()).isPositive();
    var body = server.bodies().get(0);
    if (provider.equals("anthropic")) {
      assertThat(body.path("system").asText()).isEqualTo("Be brief.");
      assertThat(body.path("max_tokens").asInt()).isEqualTo(64);
      assertThat(body.path("stop_sequences").get(0).asText()).isEqualTo("\n\n");
      assertThat(body.path("messages")).hasSize(1);
      assertThat(server.authHeaders()).containsExactly("sk-ant-secret");
    } else {
      assertThat(body.path("messages")).hasSize(2);
      assertThat(body.path("temperature").asInt()).isZero();
      assertThat(server.authHeaders()).containsExactly("Bearer sk-secret");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void readsCachedAndReasoningTokens(String provider) {
    String body =
        provider.equals("openai")
            ? "{\"choices\":[{\"message\":{\"content\":\"hi\"},\"finish_reason\":\"length\"}],"
                + "\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":40,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":64},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":30}}}"
            : "{\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],\"stop_reason\":\"max_tokens\","
                + "\"usage\":{\"input_tokens\":36,\"cache_read_input_tokens\":64,"
                + "\"output_tokens\":40}}";
    server.script(new Reply(200, body, null));
    ChatResponse r = model(provider).chat(request());
    assertThat(r.finishReason()).isEqualTo("length");
    assertThat(r.usage().input()).isEqualTo(100);
    assertThat(r.usage().cachedInput()).isEqualTo(64);
    assertThat(r.usage().output()).isEqualTo(40);
    assertThat(r.usage().reasoning()).isEqualTo(provider.equals("openai") ? 30 : 0);
  }

  static Stream<Arguments> faults() {
    return Stream.of("openai", "anthropic")
        .flatMap(
            p ->
                Stream.of(
                    Arguments.of(p, new Reply(429, "slow down", "2"), LlmException.Retriable.class),
                    Arguments.of(
                        p, new Reply(429, "slow down", null), LlmException.Retriable.class),
                    Arguments.of(p, new Reply(500, "oops", null), LlmException.Retriable.class),
                    Arguments.of(p, new Reply(502, "bad gw", null), LlmException.Retriable.class),
                    Arguments.of(p, new Reply(503, "busy", null), LlmException.Retriable.class),
                    Arguments.of(
                        p, new Reply(529, "overloaded", null), LlmException.Retriable.class),
                    Arguments.of(p, new Reply(200, null, null), LlmException.Retriable.class),
                    Arguments.of(
                        p, new Reply(200, "{\"x\": [1,", null), LlmException.Retriable.class),
                    Arguments.of(p, new Reply(200, "[]", null), LlmException.Retriable.class),
                    Arguments.of(p, new Reply(200, "{}", null), LlmException.Retriable.class),
                    Arguments.of(
                        p,
                        new Reply(
                            400,
                            "{\"error\":{\"code\":\"context_length_exceeded\",\"message\":"
                                + "\"This model's maximum context length is 8192 tokens\"}}",
                            null),
                        LlmException.ContextLength.class),
                    Arguments.of(
                        p,
                        new Reply(400, "{\"error\":{\"message\":\"prompt is too long\"}}", null),
                        LlmException.ContextLength.class),
                    Arguments.of(
                        p, new Reply(400, "bad param", null), LlmException.NonRetriable.class),
                    Arguments.of(
                        p, new Reply(401, "bad key", null), LlmException.NonRetriable.class),
                    Arguments.of(
                        p, new Reply(404, "no model", null), LlmException.NonRetriable.class)));
  }

  @ParameterizedTest
  @MethodSource("faults")
  void mapsEveryFailureToOneKind(String provider, Reply reply, Class<?> kind) {
    server.script(reply);
    assertThatThrownBy(() -> model(provider).chat(request()))
        .isExactlyInstanceOf(kind)
        .satisfies(
            e -> {
              assertThat(e.getMessage()).doesNotContain("secret");
              if (reply.retryAfter() != null) {
                assertThat(((LlmException.Retriable) e).retryAfterMillis()).isEqualTo(2000);
              }
            });
  }

  @ParameterizedTest
  @ValueSource(strings = {"openai", "anthropic"})
  void aReadTimeoutIsRetriable(String provider) {
    server.script(new Reply(FakeLlmServer.HANG, null, null));
    // the only reply never comes: whatever the machine's load, the call ends at the timeout
    assertThatThrownBy(() -> model(provider, Duration.ofSeconds(1)).chat(request()))
        .isInstanceOf(LlmException.Retriable.class);
  }
}
