package dev.batchlm.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.config.ConfigException;
import dev.batchlm.llm.ChatMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptTemplateTest {
  static final Map<String, String> FILES =
      Map.of(
          "system.txt", "You label {{ topic }} reviews.\n",
          "user.txt", "Review: {{text}}\nLabel it.",
          "examples.jsonl", "{\"user\": \"Review: great\", \"assistant\": \"pos\"}\n",
          "prompt.conf", "params { temperature = 0, max_tokens = 5 }\nvalidate.enum = [pos, neg]");

  @Test
  void rendersSystemExamplesAndUser() {
    PromptTemplate t = PromptTemplate.of("label", "conf/prompts/label", FILES);
    assertThat(t.variables()).containsExactly("topic", "text");
    List<ChatMessage> m = t.render(Map.of("topic", "film", "text", "$1 {{not a var}} \\o/"));
    assertThat(m)
        .containsExactly(
            ChatMessage.system("You label film reviews."),
            ChatMessage.user("Review: great"),
            ChatMessage.assistant("pos"),
            ChatMessage.user("Review: $1 {{not a var}} \\o/\nLabel it."));
    assertThat(t.params().toString()).isEqualTo("{\"max_tokens\":5,\"temperature\":0}");
    assertThat(t.validator("x").check("neg").valid()).isTrue();
    assertThat(t.validator("x").check("neutral").valid()).isFalse();
  }

  @Test
  void aMissingVariableIsAnErrorNotAnEmptyString() {
    PromptTemplate t = PromptTemplate.of("label", "p", FILES);
    java.util.HashMap<String, String> vars = new java.util.HashMap<>();
    vars.put("topic", "film");
    vars.put("text", null);
    assertThatThrownBy(() -> t.render(vars))
        .isInstanceOf(PromptTemplate.MissingVariable.class)
        .hasMessage("missing variable 'text'");
  }

  @Test
  void theVersionIsTheHashOfEveryFile() {
    String v = PromptTemplate.of("label", "p", FILES).version();
    assertThat(PromptTemplate.of("other-name", "q", FILES).version()).isEqualTo(v);
    var edited = new java.util.HashMap<>(FILES);
    edited.put("prompt.conf", "params { temperature = 0.1, max_tokens = 5 }");
    assertThat(PromptTemplate.of("label", "p", edited).version()).isNotEqualTo(v);
    assertThat(v).hasSize(16).matches("[0-9a-f]+");
  }

  @Test
  void loadsAFolderAndNamesWhatIsWrong(@TempDir Path dir) throws Exception {
    Path p = Files.createDirectory(dir.resolve("classify"));
    Files.writeString(p.resolve("user.txt"), "{{text}}");
    Files.writeString(p.resolve("schema.json"), "{\"type\": \"objekt\"}");
    assertThatThrownBy(() -> PromptTemplate.load(p.toString(), new Configuration()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not a valid JSON Schema");
    Files.writeString(p.resolve("schema.json"), "{\"type\": \"object\"}");
    PromptTemplate t = PromptTemplate.load(p.toString(), new Configuration());
    assertThat(t.name()).isEqualTo("classify");
    assertThat(t.schema().toString()).isEqualTo("{\"type\":\"object\"}");
    Files.writeString(p.resolve("notes.txt"), "x");
    assertThatThrownBy(() -> PromptTemplate.load(p.toString(), new Configuration()))
        .hasMessageContaining("unknown file notes.txt");
    assertThatThrownBy(
            () -> PromptTemplate.load(dir.resolve("nope").toString(), new Configuration()))
        .hasMessageContaining("does not exist");
  }

  @Test
  void assemblesRankedChunksWithinTheBudget() {
    ContextAssembler a = new ContextAssembler(12, text -> text.length() / 4);
    var ctx =
        a.assemble(
            List.of(
                new ContextAssembler.Passage(
                    "c1", "first chunk text"), // "[1] first chunk text" 20 chars: 5
                new ContextAssembler.Passage("c2", "second chunk"), // "\n\n[2] second chunk" 18: 4
                new ContextAssembler.Passage("c3", "third one, too long to fit"),
                new ContextAssembler.Passage("c4", "x")));
    assertThat(ctx.chunkIds()).containsExactly("c1", "c2");
    assertThat(ctx.text()).isEqualTo("[1] first chunk text\n\n[2] second chunk");
  }
}
