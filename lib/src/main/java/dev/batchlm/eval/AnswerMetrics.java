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

  /**
   * The reference tools' options, with their defaults in {@link #DEFAULT}: rouge-score's stemmer
   * (off) and which of its measures to report ({@code f}; {@code precision} and {@code recall} add
   * {@code rougeL_precision}, {@code rougeL_recall}...), sacreBLEU's BLEU tokenizer ({@code 13a})
   * and chrF's epsilon smoothing (off).
   */
  public record Options(
      boolean rougeStemmer,
      List<String> rougeMeasures,
      String bleuTokenize,
      boolean chrfEpsSmoothing)
      implements Serializable {
    public static final List<String> ROUGE_MEASURES = List.of("f", "precision", "recall");
    public static final Options DEFAULT = new Options(false, List.of("f"), "13a", false);

    public Options {
      rougeMeasures = List.copyOf(rougeMeasures);
      for (String m : rougeMeasures) {
        if (!ROUGE_MEASURES.contains(m)) {
          throw new IllegalArgumentException(
              "Unknown ROUGE measure '"
                  + m
                  + "' (known: "
                  + String.join(", ", ROUGE_MEASURES)
                  + ")");
        }
      }
      if (!Bleu.TOKENIZERS.contains(bleuTokenize)) {
        throw new IllegalArgumentException(
            "Unknown BLEU tokenizer '"
                + bleuTokenize
                + "' (known: "
                + String.join(", ", Bleu.TOKENIZERS)
                + ")");
      }
    }
  }

  private final List<String> metrics;
  private final Options options;

  /**
   * @throws IllegalArgumentException naming an unknown metric and the known ones
   */
  public AnswerMetrics(List<String> metrics, Options options) {
    for (String m : metrics) {
      if (!KNOWN.contains(m)) {
        throw new IllegalArgumentException(
            "Unknown answer metric '" + m + "' (known: " + String.join(", ", KNOWN) + ")");
      }
    }
    this.metrics = List.copyOf(metrics);
    this.options = options;
  }

  public AnswerMetrics(List<String> metrics, boolean rougeStemmer) {
    this(
        metrics,
        new Options(
            rougeStemmer,
            Options.DEFAULT.rougeMeasures(),
            Options.DEFAULT.bleuTokenize(),
            Options.DEFAULT.chrfEpsSmoothing()));
  }

  public Options options() {
    return options;
  }

  /** The metrics asked for (ROUGE's by their base name). */
  public List<String> metrics() {
    return metrics;
  }

  /** The names the scores come under: ROUGE's precision and recall as {@code rougeL_recall}. */
  public List<String> scoreNames() {
    List<String> names = new java.util.ArrayList<>();
    for (String m : metrics) {
      if (m.startsWith("rouge")) {
        options.rougeMeasures().forEach(x -> names.add(x.equals("f") ? m : m + "_" + x));
      } else {
        names.add(m);
      }
    }
    return names;
  }

  private Bleu bleu() {
    return new Bleu(options.bleuTokenize(), false, Bleu.Smoothing.EXP, Double.NaN);
  }

  private Chrf chrf() {
    return new Chrf(6, 2, options.chrfEpsSmoothing(), false);
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
          Bleu bleu = bleu();
          Bleu.Stats s = bleu.stats(output, references);
          out.put(m, new Score(bleu.score(s, true) / 100, s.toArray()));
        }
        case "chrf" -> {
          Chrf chrf = chrf();
          double[] s = chrf.stats(output, references);
          out.put(m, new Score(chrf.score(s) / 100, s));
        }
        case "rouge1", "rouge2", "rougeL", "rougeLsum" -> {
          rouge = rouge == null ? new Rouge(options.rougeStemmer()) : rouge;
          Rouge.Score s = rouge.score(m, output, references);
          for (String measure : options.rougeMeasures()) {
            switch (measure) {
              case "precision" -> out.put(m + "_precision", new Score(s.precision(), null));
              case "recall" -> out.put(m + "_recall", new Score(s.recall(), null));
              default -> out.put(m, new Score(s.f1(), null));
            }
          }
        }
        default -> {
          double v =
              switch (m) {
                case "exact_match" -> Squad.exactMatch(output, references);
                case "f1" -> Squad.f1(output, references);
                case "json_valid" -> jsonValid(output);
                case "contains" -> contains(output, references);
                default -> throw new IllegalStateException(m);
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
  public double corpusScore(String metric, double[] summed) {
    return metric.equals("bleu")
        ? bleu().corpusScore(Bleu.Stats.of(summed)) / 100
        : chrf().score(summed) / 100;
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
