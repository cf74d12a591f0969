package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.tokenizer.ChatTemplate;
import dev.batchlm.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ids against Hugging Face's {@code apply_chat_template} on the fixtures' conversations (made by
 * transformers, see hf-reference/README.md), and label masks that cover exactly the assistant
 * turns.
 */
class ExampleTokenizerTest {
  private static Path fixture(String name) throws Exception {
    return Path.of(ExampleTokenizerTest.class.getResource("/hf-reference/" + name).toURI());
  }

  @ParameterizedTest
  @ValueSource(strings = {"tokenizer-chatml", "tokenizer-llama3"})
  void idsAreTransformersOwnAndTheMaskCoversTheAnswerAndItsEndOfTurn(String name) throws Exception {
    Path dir = fixture(name);
    JsonNode cases = new ObjectMapper().readTree(fixture(name + ".json").toFile()).get("cases");
    try (HfTokenizer tokenizer = HfTokenizer.fromFile(dir.resolve("tokenizer.json"))) {
      ExampleTokenizer examples = new ExampleTokenizer(ChatTemplate.load(dir), tokenizer, false);
      int checked = 0;
      for (JsonNode c : cases) {
        List<ChatMessage> messages = new ArrayList<>();
        c.get("messages")
            .forEach(
                m ->
                    messages.add(
                        new ChatMessage(m.get("role").asText(), m.get("content").asText())));
        if (c.get("add_generation_prompt").asBoolean()
            || messages.stream().noneMatch(m -> m.role().equals("assistant"))) {
          continue;
        }
        ExampleTokenizer.Tokenized t = examples.tokenize(messages);
        long[] expected = new long[c.get("ids").size()];
        for (int i = 0; i < expected.length; i++) {
          expected[i] = c.get("ids").get(i).asLong();
        }
        assertThat(t.inputIds()).as("%s: transformers' ids", name).containsExactly(expected);

        List<Long> trained = new ArrayList<>();
        for (int i = 0; i < t.inputIds().length; i++) {
          if (t.labelMask()[i] == 1) {
            trained.add(t.inputIds()[i]);
          }
        }
        String answer =
            messages.stream()
                .filter(m -> m.role().equals("assistant"))
                .findFirst()
                .orElseThrow()
                .content();
        String decoded = tokenizer.decode(trained.stream().mapToLong(Long::longValue).toArray());
        // the answer's tokens and the template's end of turn (a special token, left out by decode)
        assertThat(decoded.strip()).isEqualTo(answer.strip());
        assertThat(t.trainedTokens()).isEqualTo(trained.size()).isLessThan(t.inputIds().length / 2);
        checked++;
      }
      assertThat(checked).isPositive();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"tokenizer-chatml"})
  void theLastTurnOnlyOrEveryTurn(String name) throws Exception {
    Path dir = fixture(name);
    try (HfTokenizer tokenizer = HfTokenizer.fromFile(dir.resolve("tokenizer.json"))) {
      List<ChatMessage> chat =
          List.of(
              ChatMessage.user("Where is my order?"),
              ChatMessage.assistant("It ships tomorrow."),
              ChatMessage.user("Thanks! And the refund?"),
              ChatMessage.assistant("Five business days."));
      ExampleTokenizer.Tokenized all =
          new ExampleTokenizer(ChatTemplate.load(dir), tokenizer, false).tokenize(chat);
      ExampleTokenizer.Tokenized last =
          new ExampleTokenizer(ChatTemplate.load(dir), tokenizer, true).tokenize(chat);

      assertThat(last.inputIds()).containsExactly(all.inputIds());
      assertThat(last.trainedTokens()).isPositive().isLessThan(all.trainedTokens());
      assertThat(tokenizer.decode(masked(last)).strip()).isEqualTo("Five business days.");
      assertThat(tokenizer.decode(masked(all)))
          .contains("It ships tomorrow.")
          .contains("Five business days.");
      assertThatThrownBy(
              () ->
                  new ExampleTokenizer(ChatTemplate.load(dir), tokenizer, true)
                      .tokenize(List.of(ChatMessage.user("hi"))))
          .hasMessage("no assistant turn to train on");
    }
  }

  private static long[] masked(ExampleTokenizer.Tokenized t) {
    List<Long> out = new ArrayList<>();
    for (int i = 0; i < t.inputIds().length; i++) {
      if (t.labelMask()[i] == 1) {
        out.add(t.inputIds()[i]);
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }
}
