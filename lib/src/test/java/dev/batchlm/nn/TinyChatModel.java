package dev.batchlm.nn;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny chat checkpoint: a {@link TinyLlama} with a word-level {@code tokenizer.json} whose
 * special tokens are {@code <|im_start|>} (0) and {@code <|im_end|>} (1, the end of a turn), and
 * the ChatML template in {@code tokenizer_config.json}.
 */
public final class TinyChatModel {
  public static final String CHATML =
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content']"
          + " + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
          + "{{ '<|im_start|>assistant\\n' }}{% endif %}";

  private TinyChatModel() {}

  /** The words of the vocabulary after the three special tokens (45 of TinyLlama's 48). */
  public static List<String> words() {
    List<String> words =
        new ArrayList<>(
            List.of("system", "user", "assistant", "say", "hello", "the", "answer", "is"));
    for (int i = words.size(); i < 45; i++) {
      words.add("w" + i);
    }
    return words;
  }

  public static Path write(Path dir, long seed) throws Exception {
    new TinyLlama(seed, 2, true, false, false).write(dir, "llama");
    Map<String, Integer> vocab = new LinkedHashMap<>();
    vocab.put("<|im_start|>", 0);
    vocab.put("<|im_end|>", 1);
    vocab.put("[UNK]", 2);
    for (String w : words()) {
      vocab.put(w, vocab.size());
    }
    List<Map<String, Object>> added = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String content = new ArrayList<>(vocab.keySet()).get(i);
      added.add(
          Map.of(
              "id", i,
              "content", content,
              "single_word", false,
              "lstrip", false,
              "rstrip", false,
              "normalized", false,
              "special", true));
    }
    Map<String, Object> tokenizer = new LinkedHashMap<>();
    tokenizer.put("version", "1.0");
    tokenizer.put("added_tokens", added);
    tokenizer.put("pre_tokenizer", Map.of("type", "Whitespace"));
    tokenizer.put("model", Map.of("type", "WordLevel", "vocab", vocab, "unk_token", "[UNK]"));
    ObjectMapper json = new ObjectMapper();
    json.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
    json.writeValue(
        dir.resolve("tokenizer_config.json").toFile(),
        Map.of("chat_template", CHATML, "eos_token", "<|im_end|>", "bos_token", "<|im_start|>"));
    return dir;
  }
}
