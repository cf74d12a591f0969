package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.llm.ChatMessage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each rule drops with its reason; what passes is masked and counted. */
class ExampleFilterTest {
  private static ExampleFilter filter(boolean dropPii) {
    return new ExampleFilter(
        new ExampleFilter.Settings(
            dropPii, 2, 2000, List.of("I'm sorry, but I can"), List.of("en")));
  }

  private static List<ChatMessage> chat(String answer) {
    return List.of(
        ChatMessage.user("How do refunds work for my order?"), ChatMessage.assistant(answer));
  }

  @Test
  void eachRuleDropsWithItsReason() {
    ExampleFilter f = filter(false);
    assertThat(f.apply(chat("k")).dropped()).isEqualTo("too_short");
    assertThat(f.apply(chat("x".repeat(2001))).dropped()).isEqualTo("too_long");
    assertThat(f.apply(chat("I'M SORRY, BUT I CAN'T help with refunds.")).dropped())
        .isEqualTo("refusal");
    assertThat(f.apply(chat("refund now refund now refund now refund now")).dropped())
        .isEqualTo("top_2_gram");
    assertThat(
            f.apply(
                    chat(
                        "Rückerstattungen erfolgen innerhalb von fünf Werktagen nach Eingang der"
                            + " Rücksendung auf das ursprüngliche Zahlungsmittel."))
                .dropped())
        .isEqualTo("language_de");
    // the detector is sure this is Romanian; a short answer's language is not judged
    assertThat(
            f.apply(chat("Private cars are reimbursed at 0.30 EUR per kilometre [1].")).dropped())
        .isNull();
  }

  @Test
  void personalDataIsMaskedAndCountedOrDropped() {
    List<ChatMessage> chat =
        List.of(
            ChatMessage.user("I am jane@example.com, card 4111 1111 1111 1111. Refund?"),
            ChatMessage.assistant(
                "We refunded the card ending 1111 today; a receipt went to jane@example.com."));

    ExampleFilter.Outcome masked = filter(false).apply(chat);
    assertThat(masked.kept()).isTrue();
    assertThat(masked.messages().get(0).content()).isEqualTo("I am <EMAIL>, card <CARD>. Refund?");
    assertThat(masked.messages().get(1).content()).contains("went to <EMAIL>.");
    assertThat(masked.pii()).isEqualTo(Map.of(PiiScanner.Kind.EMAIL, 2, PiiScanner.Kind.CARD, 1));

    ExampleFilter.Outcome dropped = filter(true).apply(chat);
    assertThat(dropped.kept()).isFalse();
    assertThat(dropped.dropped()).isEqualTo("pii_email");
  }

  @Test
  void aPlainAnswerPassesUnchanged() {
    List<ChatMessage> chat =
        chat("Refunds go back to the original payment method within five business days.");
    ExampleFilter.Outcome o = filter(false).apply(chat);
    assertThat(o.kept()).isTrue();
    assertThat(o.messages()).isEqualTo(chat);
    assertThat(o.pii()).isEmpty();
  }
}
