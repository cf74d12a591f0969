package dev.batchlm.retrieve;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The queries each question is retrieved with by the expansion methods, and which of them a method
 * fuses: {@code multi-query} (the question and its paraphrases), {@code hyde} (the question and a
 * hypothetical answer), {@code multi-step} (the question and one follow-up query per step). Steps
 * count from 1, the question itself. A text is retrieved once per question under a key of its own,
 * however many methods fuse it.
 */
public final class QueryExpansion {
  /**
   * One query a method fuses for a question: its step, its text, and the key it is ranked under.
   */
  public record Step(String queryId, String method, int step, String text, String key) {}

  private static final char SEPARATOR = '\u001f';

  private final Map<String, Map<String, String>> keysByQuestion = new HashMap<>();
  private final Map<String, String> unranked = new LinkedHashMap<>();
  private final Map<String, List<Step>> stepsByMethodQuestion = new LinkedHashMap<>();

  /**
   * Adds {@code text} as the method's next query for the question; false, adding nothing, when it
   * is blank or repeats one of the method's queries for it (case and spaces aside).
   */
  public boolean add(String queryId, String method, String text) {
    if (text == null || text.isBlank()) {
      return false;
    }
    List<Step> steps =
        stepsByMethodQuestion.computeIfAbsent(method + SEPARATOR + queryId, k -> new ArrayList<>());
    String normal = normal(text);
    if (steps.stream().anyMatch(s -> normal(s.text()).equals(normal))) {
      return false;
    }
    Map<String, String> keys = keysByQuestion.computeIfAbsent(queryId, q -> new HashMap<>());
    String key = keys.get(normal);
    if (key == null) {
      key = queryId + SEPARATOR + keys.size();
      keys.put(normal, key);
      unranked.put(key, text.strip());
    }
    steps.add(new Step(queryId, method, steps.size() + 1, text.strip(), key));
    return true;
  }

  /** The texts not ranked yet, by key; each is handed out once. */
  public Map<String, String> takeUnranked() {
    Map<String, String> out = new LinkedHashMap<>(unranked);
    unranked.clear();
    return out;
  }

  /** Every step of every method, per method and question in the order they were added. */
  public List<Step> steps() {
    return stepsByMethodQuestion.values().stream().flatMap(List::stream).toList();
  }

  /** The method's queries for the question so far, the question first. */
  public List<String> queries(String queryId, String method) {
    return stepsByMethodQuestion.getOrDefault(method + SEPARATOR + queryId, List.of()).stream()
        .map(Step::text)
        .toList();
  }

  /** The strings of a multi-query answer's {@code queries} array, at most {@code limit}. */
  public static List<String> paraphrases(JsonNode answer, int limit) {
    List<String> out = new ArrayList<>();
    for (JsonNode q : answer.path("queries")) {
      if (q.isTextual() && out.size() < limit) {
        out.add(q.asText());
      }
    }
    return out;
  }

  /** A multi-step answer's {@code next_query}; blank when the hits suffice. */
  public static String nextQuery(JsonNode answer) {
    return answer.path("next_query").asText("");
  }

  private static String normal(String text) {
    return text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }
}
