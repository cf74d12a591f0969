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
    LocalChatModel model = new LocalChatModel(dir, 12);
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
          new Generator(new LlamaDecoder(c))
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
  void aPromptLongerThanTheContextIsAContextLengthError() throws Exception {
    LocalChatModel model = new LocalChatModel(TinyChatModel.write(tmp.resolve("m"), 22), 8);
    String longText = String.join(" ", java.util.Collections.nCopies(70, "hello"));
    assertThatThrownBy(
            () -> model.chat(new ChatRequest(List.of(ChatMessage.user(longText)), null, null)))
        .isInstanceOf(LlmException.ContextLength.class)
        .hasMessageContaining("does not fit the model's context window of 64 tokens");
  }
}
