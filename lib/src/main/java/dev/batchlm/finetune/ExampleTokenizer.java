package dev.batchlm.finetune;

import dev.batchlm.llm.ChatMessage;
import dev.batchlm.tokenizer.ChatTemplate;
import dev.batchlm.tokenizer.HfTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A conversation as the base model trains on it: the ids of its chat template's text, and a label
 * mask that is 1 on the tokens the model learns to produce (the assistant turns: all of them, or
 * the last only) and 0 on the prompt. An assistant turn's span is found by rendering the
 * conversation up to it with the generation prompt (where the answer starts) and up to its end
 * (where the template's end-of-turn marker ends), so the mask covers the answer and that marker, as
 * a model must learn to stop; tokens are matched to the span by their character offsets.
 */
public final class ExampleTokenizer {
  /** Ids, the label mask (1: trained on), and how many tokens are trained on. */
  public record Tokenized(long[] inputIds, int[] labelMask, int trainedTokens) {}

  private final ChatTemplate template;
  private final HfTokenizer tokenizer;
  private final boolean lastTurnOnly;

  public ExampleTokenizer(ChatTemplate template, HfTokenizer tokenizer, boolean lastTurnOnly) {
    this.template = template;
    this.tokenizer = tokenizer;
    this.lastTurnOnly = lastTurnOnly;
  }

  public Tokenized tokenize(List<ChatMessage> messages) {
    List<Map<String, String>> turns = new ArrayList<>();
    messages.forEach(m -> turns.add(Map.of("role", m.role(), "content", m.content())));
    String text = template.render(turns, false);
    List<int[]> spans = new ArrayList<>();
    int last = -1;
    for (int i = 0; i < turns.size(); i++) {
      if (turns.get(i).get("role").equals("assistant")) {
        last = i;
        if (!lastTurnOnly) {
          spans.add(span(turns, i, text));
        }
      }
    }
    if (last < 0) {
      throw new IllegalArgumentException("no assistant turn to train on");
    }
    if (lastTurnOnly) {
      spans.add(span(turns, last, text));
    }
    long[] ids = tokenizer.ids(text);
    int[][] offsets = tokenizer.offsets(text);
    int[] mask = new int[ids.length];
    int trained = 0;
    for (int t = 0; t < ids.length; t++) {
      for (int[] s : spans) {
        if (offsets[0][t] < s[1] && offsets[1][t] > s[0]) {
          mask[t] = 1;
          trained++;
          break;
        }
      }
    }
    return new Tokenized(ids, mask, trained);
  }

  /** Where assistant turn {@code i} starts and ends in the whole conversation's text. */
  private int[] span(List<Map<String, String>> turns, int i, String text) {
    String before = template.render(turns.subList(0, i), true);
    String through = template.render(turns.subList(0, i + 1), false);
    if (!text.startsWith(before)
        || !text.startsWith(through)
        || through.length() < before.length()) {
      throw new IllegalArgumentException(
          "the chat template renders the start of a conversation differently from the whole"
              + " (turn "
              + i
              + "): the answer's tokens cannot be told apart");
    }
    return new int[] {before.length(), through.length()};
  }
}
