package dev.batchlm.finetune;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Keeps a model from training on its test: a training text is contaminated when it shares a run of
 * {@code n} words (13 by default, as GPT-3's paper did) with an evaluation text (a question or a
 * reference answer the {@code eval} job scores against). An evaluation text shorter than {@code n}
 * words counts as one run of its own length, unless it is shorter than {@code minWords}: "Paris"
 * would match half the corpus. Words are compared lower-cased, split on anything that is not a
 * letter or digit, so punctuation and spacing do not hide a copy.
 */
public final class Decontamination implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int n;
  private final int minWords;
  private final Map<Integer, Set<List<String>>> runsByLength = new HashMap<>();

  public Decontamination(int n, int minWords) {
    if (n < 1 || minWords < 1 || minWords > n) {
      throw new IllegalArgumentException(
          "need 1 <= minWords <= n, got n=" + n + ", minWords=" + minWords);
    }
    this.n = n;
    this.minWords = minWords;
  }

  /** Adds an evaluation text; returns whether it was long enough to be checked against. */
  public boolean add(String evalText) {
    List<String> words = words(evalText);
    if (words.size() < minWords) {
      return false;
    }
    int length = Math.min(n, words.size());
    Set<List<String>> runs = runsByLength.computeIfAbsent(length, k -> new HashSet<>());
    for (int i = 0; i + length <= words.size(); i++) {
      runs.add(List.copyOf(words.subList(i, i + length)));
    }
    return true;
  }

  /** The first run of words the text shares with an evaluation text, if any. */
  public Optional<String> overlap(String text) {
    List<String> words = words(text);
    for (int length : new TreeSet<>(runsByLength.keySet()).descendingSet()) {
      Set<List<String>> runs = runsByLength.get(length);
      for (int i = 0; i + length <= words.size(); i++) {
        if (runs.contains(words.subList(i, i + length))) {
          return Optional.of(String.join(" ", words.subList(i, i + length)));
        }
      }
    }
    return Optional.empty();
  }

  /** How many distinct runs are held: the index's size, for the job's summary. */
  public long size() {
    return runsByLength.values().stream().mapToLong(Set::size).sum();
  }

  static List<String> words(String text) {
    return Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+"))
        .filter(w -> !w.isEmpty())
        .toList();
  }
}
