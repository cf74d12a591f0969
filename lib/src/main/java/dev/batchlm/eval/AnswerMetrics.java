package dev.batchlm.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-example answer metrics the eval job knows, by name: {@code exact_match} and {@code f1}
 * (SQuAD v1.1), {@code rouge1}, {@code rouge2}, {@code rougeL}, {@code rougeLsum} (F1,
 * rouge-score), {@code bleu} and {@code chrf} (sentence level, sacreBLEU defaults), {@code
 * json_valid} (1 when the output parses as JSON) and {@code contains} (1 when the output contains a
 * reference, ignoring case and runs of whitespace); {@code embedding_similarity} is scored by
 * {@link EmbeddingSimilarity}, not here. Every score is in 0–1 (BLEU and chrF divided by 100). An
 * empty output is scored like any other (0 where nothing matches); a missing one is not scored at
 * all.
 */
public final class AnswerMetrics implements Serializable {
  public static final List<String> KNOWN =
      List.of(
          "exact_match",
          "f1",
          "rouge1",
          "rouge2",
          "rougeL",
          "rougeLsum",
          "bleu",
          "chrf",
          "json_valid",
          "contains",
          EmbeddingSimilarity.NAME);
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final List<String> metrics;
  private final boolean stem;

  /**
   * @throws IllegalArgumentException naming an unknown metric and the known ones
   */
  public AnswerMetrics(List<String> metrics, boolean rougeStemmer) {
    for (String m : metrics) {
      if (!KNOWN.contains(m)) {
        throw new IllegalArgumentException(
            "Unknown answer metric '" + m + "' (known: " + String.join(", ", KNOWN) + ")");
      }
    }
    this.metrics = List.copyOf(metrics);
    this.stem = rougeStemmer;
  }

  public List<String> metrics() {
    return metrics;
  }

  /**
   * A metric's score of one answer; for {@code bleu} and {@code chrf} also the sentence's
   * sufficient statistics, which add up over examples to the corpus score ({@link #corpusScore}),
   * null for the other metrics.
   */
  public record Score(double value, double[] stats) {}

  /** Metric → score of {@code output} against {@code references} (at least one). */
  public Map<String, Score> score(String output, List<String> references) {
    Map<String, Score> out = new LinkedHashMap<>();
    Rouge rouge = null;
    for (String m : metrics) {
      switch (m) {
        case EmbeddingSimilarity.NAME -> {
          // needs the embedder: the job scores it in batches (EmbeddingSimilarity)
        }
        case "bleu" -> {
          Bleu.Stats s = Bleu.standard().stats(output, references);
          out.put(m, new Score(Bleu.standard().score(s, true) / 100, s.toArray()));
        }
        case "chrf" -> {
          double[] s = Chrf.standard().stats(output, references);
          out.put(m, new Score(Chrf.standard().score(s) / 100, s));
        }
        default -> {
          double v =
              switch (m) {
                case "exact_match" -> Squad.exactMatch(output, references);
                case "f1" -> Squad.f1(output, references);
                case "json_valid" -> jsonValid(output);
                case "contains" -> contains(output, references);
                default -> {
                  rouge = rouge == null ? new Rouge(stem) : rouge;
                  yield rouge.score(m, output, references).f1();
                }
              };
          out.put(m, new Score(v, null));
        }
      }
    }
    return out;
  }

  /**
   * The corpus-level name of a sentence metric with sufficient statistics ({@code bleu_corpus},
   * {@code chrf_corpus}: sacreBLEU's {@code corpus_bleu} and {@code corpus_chrf}).
   */
  public static String corpusName(String metric) {
    return metric + "_corpus";
  }

  /** The corpus score, in 0–1, of {@code bleu} or {@code chrf} statistics summed over examples. */
  public static double corpusScore(String metric, double[] summed) {
    return metric.equals("bleu")
        ? Bleu.standard().corpusScore(Bleu.Stats.of(summed)) / 100
        : Chrf.standard().score(summed) / 100;
  }

  private static double contains(String output, List<String> references) {
    String o = squeeze(output);
    return references.stream()
            .map(AnswerMetrics::squeeze)
            .anyMatch(r -> !r.isEmpty() && o.contains(r))
        ? 1
        : 0;
  }

  private static String squeeze(String s) {
    return s.toLowerCase(java.util.Locale.ROOT).replaceAll("(?U)\\s+", " ").strip();
  }

  private static double jsonValid(String output) {
    try {
      JSON.readTree(output);
      return output.isBlank() ? 0 : 1;
    } catch (java.io.IOException e) {
      return 0;
    }
  }
}
