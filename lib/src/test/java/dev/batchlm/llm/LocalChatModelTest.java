package dev.batchlm.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.Generator;
import dev.batchlm.nn.LlamaDecoder;
import dev.batchlm.nn.Sampler;
import dev.batchlm.nn.TinyChatModel;
import dev.batchlm.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local provider: chat template, tokenizer and generator wired as a ChatModel. */
class LocalChatModelTest {
  @TempDir Path tmp;

  @Test
  void answersThroughTheChatTemplateWithExactCounts() throws Exception {
    Path dir = TinyChatModel.write(tmp.resolve("tiny-chat"), 21);
    LocalChatModel model = new LocalChatModel(dir, 12, LocalChatModel.Options.DEFAULT);
    ChatRequest request = new ChatRequest(List.of(ChatMessage.user("say hello")), null, null);
    ChatResponse r = model.chat(request);

    // the same steps by hand: ChatML text, word-level ids, greedy generation, decoded words
    String prompt = "<|im_start|>user\nsay hello<|im_end|>\n<|im_start|>assistant\n";
    try (HfTokenizer tok = HfTokenizer.fromFile(dir.resolve("tokenizer.json"));
        Checkpoint c = Checkpoint.open(dir)) {
      long[] ids = tok.ids(prompt);
      assertThat(ids).startsWith(0L, 4L).contains(1L); // <|im_start|> user ... <|im_end|>
      int[] promptIds = Arrays.stream(ids).mapToInt(i -> (int) i).toArray();
      Generator.Output out =
          new Generator(new LlamaDecoder(c), 1)
              .generate(promptIds, 12, Sampler.Settings.greedy(), Set.of(1), t -> false);
      assertThat(r.usage().input()).isEqualTo(ids.length);
      assertThat(r.usage().output()).isEqualTo(out.completionTokens());
      assertThat(r.finishReason()).isEqualTo(out.finishReason());
      assertThat(r.text())
          .isEqualTo(tok.decode(Arrays.stream(out.tokens()).asLongStream().toArray()));
      assertThat(model.family()).isEqualTo("local");
      assertThat(model.model()).isEqualTo("tiny-chat");

      // a stop string ends the text before it
      String[] words = r.text().split(" ");
      assertThat(words).as(r.text()).hasSizeGreaterThanOrEqualTo(3);
      ChatResponse stopped =
          model.chat(
              new ChatRequest(
                  request.messages(),
                  new ObjectMapper().createObjectNode().put("stop", words[2]),
                  null));
      assertThat(stopped.text()).isEqualTo(words[0] + " " + words[1] + " ");
      assertThat(stopped.finishReason()).isEqualTo("stop");
      // seeded sampling is reproducible
      var warm = new ObjectMapper().createObjectNode().put("temperature", 0.9).put("seed", 5);
      assertThat(model.chat(new ChatRequest(request.messages(), warm, null)).text())
          .isEqualTo(model.chat(new ChatRequest(request.messages(), warm, null)).text());
    }
  }

  @Test
  void aPromptLongerThanTheContextIsAContextLengthErrorOrKeepsItsEnd() throws Exception {
    Path dir = TinyChatModel.write(tmp.resolve("m"), 22);
    LocalChatModel model = new LocalChatModel(dir, 8, LocalChatModel.Options.DEFAULT);
    String longText = String.join(" ", java.util.Collections.nCopies(70, "hello"));
    ChatRequest tooLong = new ChatRequest(List.of(ChatMessage.user(longText)), null, null);
    assertThatThrownBy(() -> model.chat(tooLong))
        .isInstanceOf(LlmException.ContextLength.class)
        .hasMessageContaining("a prompt of 75 tokens does not fit the context window of 64 tokens");

    // truncate: the last 64 - 8 = 56 prompt tokens, room for max_tokens 8
    LocalChatModel truncating = new LocalChatModel(dir, 8, new LocalChatModel.Options(2, 64, true));
    ChatResponse r = truncating.chat(tooLong);
    assertThat(r.usage().input()).isEqualTo(56);
    assertThat(r.usage().output()).isBetween(0L, 8L);
    assertThat(new ObjectMapper().readTree(r.raw()).path("truncated_prompt_tokens").asInt())
        .isEqualTo(75 - 56);
  }
}
