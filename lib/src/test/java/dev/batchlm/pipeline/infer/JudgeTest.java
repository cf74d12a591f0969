package dev.batchlm.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.cache.CacheKeys;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.llm.ChatRequest;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The validation step on records alone: no Spark. */
class JudgeTest {
  @TempDir Path tmp;

  private Request request(InferSettings s) {
    ObjectNode params = new ObjectMapper().createObjectNode().put("max_tokens", 64);
    return Request.keyed(
        s,
        "r1",
        s.alias(),
        List.of(ChatMessage.user("Ticket: refund please")),
        params,
        s.prompt().schema(),
        List.of("c1"),
        0,
        new Spent(1, 10, 5, 0, 0, 0.25, 0, 100, 0));
  }

  private static Answer answer(String text) {
    return answer("m", text);
  }

  private static Answer answer(String model, String text) {
    return new Answer(
        "key",
        model,
        "openai",
        model,
        text,
        "stop",
        new Spent(1, 12, 6, 2, 0, 0.5, 0, 40, 0),
        null,
        false,
        null);
  }

  @Test
  void aValidAnswerEndsTheRequestWithWhatAllItsRoundsSpent() {
    InferSettings s =
        Settings.classify(tmp, "infer.model", "gpt-4o-mini", "infer.unpriced", "false");
    Judge.Judged j =
        new Judge(s, "run-1", false)
            .judge(
                request(s), answer("gpt-4o-mini", "{\"category\": \"billing\", \"urgency\": 2}"));

    assertThat(j.repair()).isNull();
    Finished f = j.finished();
    assertThat(f.valid()).isTrue();
    assertThat(f.outputJson()).isEqualTo("{\"category\":\"billing\",\"urgency\":2}");
    assertThat(f.inputTokens()).isEqualTo(22); // 10 of the earlier round + 12
    assertThat(f.attempts()).isEqualTo(2);
    assertThat(f.latencyMs()).isEqualTo(140);
    assertThat(f.costUsd()).isEqualTo(0.75);
    assertThat(f.contextChunkIds()).containsExactly("c1");
    assertThat(f.promptName()).isEqualTo("classify");
  }

  @Test
  void anInvalidAnswerGoesBackWithTheErrorAsANewlyKeyedRequest() {
    InferSettings s = Settings.classify(tmp);
    Request r = request(s);
    Judge.Judged j = new Judge(s, "run-1", false).judge(r, answer("billing, I think"));

    assertThat(j.finished()).isNull();
    Request repair = j.repair();
    assertThat(repair.repairs()).isEqualTo(1);
    List<ChatMessage> messages = Request.messages(repair.messages());
    assertThat(messages).hasSize(3);
    assertThat(messages.get(1)).isEqualTo(ChatMessage.assistant("billing, I think"));
    assertThat(messages.get(2).content()).startsWith("Your answer is not valid: ");
    ChatRequest sent = repair.chatRequest();
    assertThat(repair.primaryKey())
        .isEqualTo(CacheKeys.of("openai", "m", sent))
        .isNotEqualTo(r.primaryKey());
    assertThat(repair.spent().attempts()).isEqualTo(2);

    // its result, valid or not, keeps the messages as first sent: the prompt, no repair turns
    Request again = j.repair().repair(s, "still billing", "not JSON", repair.spent());
    Finished f =
        new Judge(s, "run-1", true)
            .judge(again, answer("{\"category\": \"billing\", \"urgency\": 2}"))
            .finished();
    assertThat(Request.messages(again.messages())).hasSize(5);
    assertThat(f.messages()).isEqualTo(r.messages());
    assertThat(Request.messages(f.messages()))
        .containsExactly(ChatMessage.user("Ticket: refund please"));
  }

  @Test
  void theLastRoundKeepsAnInvalidAnswerWithItsError() {
    InferSettings s = Settings.classify(tmp);
    Finished f = new Judge(s, "run-1", true).judge(request(s), answer("no")).finished();

    assertThat(f.valid()).isFalse();
    assertThat(f.validationError()).isNotBlank();
    assertThat(f.error()).isNull();
    assertThat(f.costUsd()).as("an unpriced route costs null, not 0").isNull();
  }

  @Test
  void aFailedCallIsAnErrorRowNotARepair() {
    InferSettings s = Settings.classify(tmp);
    Answer failed =
        new Answer(
            null,
            null,
            null,
            null,
            null,
            null,
            new Spent(3, 0, 0, 0, 0, 0, 0, 900, 0),
            "HTTP 500 from http://127.0.0.1:1/v1",
            false,
            null);
    Judge.Judged j = new Judge(s, "run-1", false).judge(request(s), failed);

    assertThat(j.repair()).isNull();
    assertThat(j.finished().error()).startsWith("HTTP 500");
    assertThat(j.finished().attempts()).isEqualTo(4);
  }

  @Test
  void anIdenticalRequestSharesACallAsAFreeHit() {
    Answer paid = answer("x");
    Answer shared = paid.shared();
    assertThat(shared.hit()).isTrue();
    assertThat(shared.spent())
        .isEqualTo(new Spent(0, 12, 6, 2, 0, 0, 0.5, 0, 0)); // tokens kept, cost saved
    Answer failed =
        new Answer(
            null,
            null,
            null,
            null,
            null,
            null,
            new Spent(2, 0, 0, 0, 0, 0, 0, 9, 0),
            "x",
            false,
            null);
    assertThat(failed.shared()).isSameAs(failed);
  }
}
