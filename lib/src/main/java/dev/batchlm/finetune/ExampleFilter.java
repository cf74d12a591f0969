package dev.batchlm.finetune;

import dev.batchlm.llm.ChatMessage;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The quality and privacy rules one conversation passes before it becomes a training example, in
 * order: its size, refusals, repetition (Gopher's rules), language, then personal data (masked or
 * dropped). The rules judge what the model would learn to say: the assistant turns. A dropped
 * conversation carries the first rule it broke, as the report counts it.
 */
public final class ExampleFilter implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The policy, from {@code ft-prep.*} keys. */
  public record Settings(
      boolean dropPii,
      int minAnswerChars,
      int maxChars,
      List<String> refusals,
      List<String> languages)
      implements Serializable {}

  /** The conversation as kept (masked), what was masked, or why it was dropped. */
  public record Outcome(
      List<ChatMessage> messages, Map<PiiScanner.Kind, Integer> pii, String dropped)
      implements Serializable {
    public boolean kept() {
      return dropped == null;
    }
  }

  private final Settings settings;
  private final PiiScanner pii = new PiiScanner();
  private final Repetition repetition = new Repetition();
  private final LanguageFilter language;

  /**
   * Answers shorter than this are kept whatever language they look like: the detector calls short
   * English answers Romanian, Welsh or Italian with high confidence (on the demo's 148 short
   * English texts, 15 such, the longest 61 characters).
   */
  static final int LANGUAGE_MIN_CHARS = 100;

  public ExampleFilter(Settings settings) {
    this.settings = settings;
    this.language = new LanguageFilter(settings.languages(), LANGUAGE_MIN_CHARS);
  }

  public Outcome apply(List<ChatMessage> conversation) {
    String answers =
        conversation.stream()
            .filter(m -> m.role().equals("assistant"))
            .map(ChatMessage::content)
            .collect(Collectors.joining("\n\n"));
    Optional<String> broken = rules(conversation, answers);
    if (broken.isPresent()) {
      return new Outcome(conversation, Map.of(), broken.get());
    }
    Map<PiiScanner.Kind, Integer> found = new EnumMap<>(PiiScanner.Kind.class);
    List<ChatMessage> masked = new ArrayList<>();
    for (ChatMessage m : conversation) {
      PiiScanner.Masked x = pii.mask(m.content());
      x.counts().forEach((kind, n) -> found.merge(kind, n, Integer::sum));
      masked.add(new ChatMessage(m.role(), x.text()));
    }
    if (!found.isEmpty() && settings.dropPii()) {
      return new Outcome(conversation, found, "pii_" + found.keySet().iterator().next().column());
    }
    return new Outcome(masked, found, null);
  }

  private Optional<String> rules(List<ChatMessage> conversation, String answers) {
    int chars = conversation.stream().mapToInt(m -> m.content().length()).sum();
    if (conversation.stream()
        .filter(m -> m.role().equals("assistant"))
        .anyMatch(m -> m.content().strip().length() < settings.minAnswerChars())) {
      return Optional.of("too_short");
    }
    if (chars > settings.maxChars()) {
      return Optional.of("too_long");
    }
    String lower = answers.toLowerCase(Locale.ROOT);
    if (settings.refusals().stream().anyMatch(r -> lower.contains(r.toLowerCase(Locale.ROOT)))) {
      return Optional.of("refusal");
    }
    Optional<String> repeated = repetition.check(answers);
    return repeated.isPresent() ? repeated : language.check(answers);
  }
}
