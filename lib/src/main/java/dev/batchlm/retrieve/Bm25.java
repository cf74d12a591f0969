package dev.batchlm.retrieve;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Okapi BM25 (Robertson and Zaragoza, "The Probabilistic Relevance Framework", 2009) in the form
 * Lucene's {@code BM25Similarity} uses: {@code idf = ln(1 + (N - df + 0.5) / (df + 0.5))} and a
 * term's score {@code idf · tf / (tf + k1 · (1 - b + b · dl / avgdl))} (without the constant {@code
 * k1 + 1} factor, which does not change rankings). Document lengths are exact; Lucene stores them
 * in one byte, exactly only up to 31 terms. Tokenization: lower case (Unicode, locale-independent),
 * then split on every character that is not a letter or a digit ({@code [^\p{L}\p{N}]+}); no
 * stemming, no stop words.
 */
public record Bm25(double k1, double b) implements Serializable {
  private static final Pattern SEPARATORS = Pattern.compile("[^\\p{L}\\p{N}]+");

  public Bm25 {
    if (!(k1 >= 0) || !(b >= 0 && b <= 1)) {
      throw new IllegalArgumentException(
          "BM25 needs k1 >= 0 and 0 <= b <= 1, got k1=" + k1 + ", b=" + b);
    }
  }

  public static List<String> terms(String text) {
    List<String> out = new ArrayList<>();
    for (String t : SEPARATORS.split(text.toLowerCase(Locale.ROOT))) {
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  public static double idf(long docFreq, long docCount) {
    return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
  }

  /** One query term's contribution to a document's score. */
  public double score(double idf, int termFreq, int docLength, double avgDocLength) {
    return idf * termFreq / (termFreq + k1 * (1 - b + b * docLength / avgDocLength));
  }
}
