package dev.batchlm.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {
  @TempDir Path tmp;

  /** SmolLM2 / Qwen2's ChatML template, as published in their tokenizer_config.json. */
  static final String CHATML =
      "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          + "{{ '<|im_start|>system\\nYou are a helpful AI assistant.<|im_end|>\\n' }}{% endif %}"
          + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
          + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

  /** Llama 2's template (abridged from the published one): [INST] turns, bos/eos, a raise. */
  static final String LLAMA2 =
      "{% for message in messages %}"
          + "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
          + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
          + "{% endif %}"
          + "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + message['content'] | trim + ' [/INST]' }}"
          + "{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] | trim + ' ' + eos_token }}"
          + "{% endif %}{% endfor %}";

  Path write(String template, Object bos) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("m" + System.nanoTime()));
    new ObjectMapper()
        .writeValue(
            dir.resolve("tokenizer_config.json").toFile(),
            Map.of("chat_template", template, "bos_token", bos, "eos_token", "</s>"));
    return dir;
  }

  @Test
  void rendersChatMlWithTheGenerationPrompt() throws Exception {
    ChatTemplate t = ChatTemplate.load(write(CHATML, "<|im_start|>"));
    String text =
        t.render(
            List.of(
                Map.of("role", "user", "content", "Hi"),
                Map.of("role", "assistant", "content", "Hello!")),
            true);
    assertThat(text)
        .isEqualTo(
            "<|im_start|>system\nYou are a helpful AI assistant.<|im_end|>\n"
                + "<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello!<|im_end|>\n"
                + "<|im_start|>assistant\n");
  }

  @Test
  void rendersLlama2TurnsAndRaisesOnBadRoles() throws Exception {
    ChatTemplate t = ChatTemplate.load(write(LLAMA2, Map.of("content", "<s>")));
    assertThat(
            t.render(
                List.of(
                    Map.of("role", "user", "content", " Hi "),
                    Map.of("role", "assistant", "content", "Hello"),
                    Map.of("role", "user", "content", "Bye")),
                false))
        .isEqualTo("<s>[INST] Hi [/INST] Hello </s><s>[INST] Bye [/INST]");
    assertThatThrownBy(() -> t.render(List.of(Map.of("role", "assistant", "content", "x")), false))
        .hasMessageContaining("Conversation roles must alternate");
  }

  @Test
  void aModelWithoutATemplateIsNamed() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("base"));
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
    assertThatThrownBy(() -> ChatTemplate.load(dir)).hasMessageContaining("no chat_template");
  }

  /**
   * Rendered and tokenized as transformers 5.17 does ({@code apply_chat_template}), from folders it
   * saved: {@code chat_template.jinja} beside tokenizer_config.json, and byte-level BPE tokenizers
   * trained by HF tokenizers (see src/test/resources/hf-reference/README.md).
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"tokenizer-chatml", "tokenizer-llama3"})
  void rendersAndTokenizesAsTransformers(String name) throws Exception {
    Path dir = Path.of(getClass().getResource("/hf-reference/" + name).toURI());
    com.fasterxml.jackson.databind.JsonNode expected =
        new ObjectMapper().readTree(dir.resolveSibling(name + ".json").toFile());
    ChatTemplate template = ChatTemplate.load(dir);
    try (HfTokenizer tokenizer = HfTokenizer.fromFile(dir.resolve("tokenizer.json"))) {
      for (com.fasterxml.jackson.databind.JsonNode k : expected.path("cases")) {
        List<Map<String, String>> messages = new java.util.ArrayList<>();
        k.path("messages")
            .forEach(
                m ->
                    messages.add(
                        Map.of(
                            "role",
                            m.path("role").asText(),
                            "content",
                            m.path("content").asText())));
        String text = template.render(messages, k.path("add_generation_prompt").asBoolean());
        assertThat(text).isEqualTo(k.path("text").asText());
        long[] ids = tokenizer.ids(text);
        long[] want = new long[k.path("ids").size()];
        for (int i = 0; i < want.length; i++) {
          want[i] = k.path("ids").get(i).asLong();
        }
        assertThat(ids).as(text).containsExactly(want);
        // HF's decode keeps special tokens and round-trips; ours skips them, as servers do
        assertThat(k.path("decoded").asText()).isEqualTo(text);
        assertThat(tokenizer.decode(ids)).isEqualTo(text.replaceAll("<\\|[a-z_]+\\|>", ""));
      }
    }
  }
}
