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
}
