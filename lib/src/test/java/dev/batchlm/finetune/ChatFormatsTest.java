package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.llm.ChatMessage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The three formats read into one shape, written back, and bad lines rejected with a reason. */
class ChatFormatsTest {
  private static final List<ChatMessage> CHAT =
      List.of(
          ChatMessage.system("You answer support questions."),
          ChatMessage.user("Where is my order?"),
          ChatMessage.assistant("It ships tomorrow."));

  @Test
  void eachFormatReadsIntoTheSameMessages() {
    assertThat(
            ChatFormats.read(
                "{\"messages\": [{\"role\": \"system\", \"content\": \"You answer support"
                    + " questions.\"}, {\"role\": \"user\", \"content\": \"Where is my order?\"},"
                    + " {\"role\": \"assistant\", \"content\": \"It ships tomorrow.\"}]}"))
        .isEqualTo(CHAT);
    assertThat(
            ChatFormats.read(
                "{\"conversations\": [{\"from\": \"system\", \"value\": \"You answer support"
                    + " questions.\"}, {\"from\": \"human\", \"value\": \"Where is my order?\"},"
                    + " {\"from\": \"gpt\", \"value\": \"It ships tomorrow.\"}]}"))
        .isEqualTo(CHAT);
    assertThat(
            ChatFormats.read(
                "{\"instruction\": \"Translate to French.\", \"input\": \"Good morning\","
                    + " \"output\": \"Bonjour\"}"))
        .containsExactly(
            ChatMessage.user("Translate to French.\n\nGood morning"),
            ChatMessage.assistant("Bonjour"));
    assertThat(
            ChatFormats.read("{\"instruction\": \"Say hi.\", \"input\": \"\", \"output\": \"Hi\"}"))
        .containsExactly(ChatMessage.user("Say hi."), ChatMessage.assistant("Hi"));
  }

  @Test
  void writtenLinesReadBackAsTheSameMessages() {
    assertThat(ChatFormats.read(ChatFormats.openAi(CHAT))).isEqualTo(CHAT);
    assertThat(ChatFormats.read(ChatFormats.shareGpt(CHAT).toString())).isEqualTo(CHAT);
    assertThat(ChatFormats.shareGpt(CHAT).get("conversations").get(2).get("from").asText())
        .isEqualTo("gpt");
  }

  @Test
  void badLinesSayWhatIsWrong() {
    assertThatThrownBy(() -> ChatFormats.read("{\"messages\": ["))
        .hasMessageStartingWith("not a JSON line");
    assertThatThrownBy(() -> ChatFormats.read("[1, 2]")).hasMessage("not a JSON object");
    assertThatThrownBy(() -> ChatFormats.read("{\"text\": \"hello\"}"))
        .hasMessageContaining("neither OpenAI chat");
    assertThatThrownBy(
            () -> ChatFormats.read("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"))
        .hasMessage("no assistant turn to learn from");
    assertThatThrownBy(
            () ->
                ChatFormats.read(
                    "{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"},"
                        + " {\"from\": \"function_call\", \"value\": \"{}\"}]}"))
        .hasMessage("conversations[1].from 'function_call' is not a chat role");
    assertThatThrownBy(
            () ->
                ChatFormats.read(
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"},"
                        + " {\"role\": \"assistant\", \"content\": \" \"}]}"))
        .hasMessage("messages[1].content is missing or empty");
    assertThatThrownBy(() -> ChatFormats.read("{\"instruction\": \"x\", \"output\": \"\"}"))
        .hasMessage("instruction and output must be non-empty text");
  }
}
