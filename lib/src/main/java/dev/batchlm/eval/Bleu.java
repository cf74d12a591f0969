package dev.batchlm.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * BLEU with sacreBLEU 2.x's semantics: the {@code 13a} tokenizer (mteval-v13a), {@code intl}
 * (mteval-v14's international tokenization), {@code zh} (each Chinese character a token, then 13a's
 * rules), {@code char} (each character a token) or {@code none}, optional lowercasing, n-grams up
 * to 4 clipped by their most frequent count in any reference, the closest reference length (the
 * shorter on a tie) for the brevity penalty, and sacreBLEU's smoothing methods ({@code exp}, the
 * default; {@code floor}; {@code add-k}; {@code none}). Corpus BLEU sums the sentences' statistics;
 * sentence BLEU uses the effective order, as {@code sacrebleu.sentence_bleu} does. Scores are
 * 0–100. Written here because no Java library follows sacreBLEU to its published test values.
 */
public final class Bleu {
  static final int MAX_ORDER = 4;

  public enum Smoothing {
    EXP(0),
    FLOOR(0.1),
    ADD_K(1),
    NONE(0);

    final double defaultValue;

    Smoothing(double defaultValue) {
      this.defaultValue = defaultValue;
    }
  }

  /** mteval-v13a: punctuation, and periods/commas not next to digits, become their own tokens. */
  private static final Pattern[] RULES = {
    Pattern.compile("([\\{-\\~\\[-\\` -\\&\\(-\\+\\:-\\@\\/])"),
    Pattern.compile("([^0-9])([\\.,])"),
    Pattern.compile("([\\.,])([^0-9])"),
    Pattern.compile("([0-9])(-)")
  };

  private static final String[] REPLACEMENTS = {" $1 ", "$1 $2 ", " $1 $2", "$1 $2 "};

  /** sacreBLEU's tokenizers this class implements. */
  public static final List<String> TOKENIZERS = List.of("13a", "intl", "zh", "char", "none");

  /** mteval-v14 international: punctuation next to a non-digit, and every symbol, split off. */
  private static final Pattern[] INTL_RULES = {
    Pattern.compile("(\\P{N})(\\p{P})"),
    Pattern.compile("(\\p{P})(\\P{N})"),
    Pattern.compile("(\\p{S})")
  };

  private static final String[] INTL_REPLACEMENTS = {"$1 $2 ", " $1 $2", " $1 "};

  private final String tokenizer;
  private final boolean lowercase;
  private final Smoothing smoothing;
  private final double smoothValue;

  /**
   * @param tokenizer one of {@link #TOKENIZERS}
   * @param smoothValue the floor or k; NaN for sacreBLEU's default (0.1, 1)
   */
  public Bleu(String tokenizer, boolean lowercase, Smoothing smoothing, double smoothValue) {
    if (!TOKENIZERS.contains(tokenizer)) {
      throw new IllegalArgumentException(
          "BLEU tokenizer '"
              + tokenizer
              + "' is not supported ("
              + String.join(", ", TOKENIZERS)
              + ")");
    }
    this.tokenizer = tokenizer;
    this.lowercase = lowercase;
    this.smoothing = smoothing;
    this.smoothValue = Double.isNaN(smoothValue) ? smoothing.defaultValue : smoothValue;
  }

  /** sacreBLEU's defaults: 13a, case-sensitive, exponential smoothing. */
  public static Bleu standard() {
    return new Bleu("13a", false, Smoothing.EXP, Double.NaN);
  }

  /**
   * Sufficient statistics of one sentence: matches and totals per order, its length and the closest
   * reference length. They add up over a corpus.
   */
  public record Stats(long[] matches, long[] totals, long hypLength, long refLength) {
    public static Stats zero() {
      return new Stats(new long[MAX_ORDER], new long[MAX_ORDER], 0, 0);
    }

    /** matches, totals, hypothesis length, reference length: 10 numbers that add up. */
    public double[] toArray() {
      double[] a = new double[2 * MAX_ORDER + 2];
      for (int n = 0; n < MAX_ORDER; n++) {
        a[n] = matches[n];
        a[MAX_ORDER + n] = totals[n];
      }
      a[2 * MAX_ORDER] = hypLength;
      a[2 * MAX_ORDER + 1] = refLength;
      return a;
    }

    public static Stats of(double[] a) {
      long[] m = new long[MAX_ORDER];
      long[] t = new long[MAX_ORDER];
      for (int n = 0; n < MAX_ORDER; n++) {
        m[n] = (long) a[n];
        t[n] = (long) a[MAX_ORDER + n];
      }
      return new Stats(m, t, (long) a[2 * MAX_ORDER], (long) a[2 * MAX_ORDER + 1]);
    }

    public Stats plus(Stats o) {
      long[] m = matches.clone();
      long[] t = totals.clone();
      for (int n = 0; n < MAX_ORDER; n++) {
        m[n] += o.matches[n];
        t[n] += o.totals[n];
      }
      return new Stats(m, t, hypLength + o.hypLength, refLength + o.refLength);
    }
  }

  public String[] tokens(String text) {
    String s = lowercase ? text.toLowerCase(java.util.Locale.ROOT) : text;
    s =
        switch (tokenizer) {
          case "13a" -> apply13a(s);
          case "intl" -> apply(INTL_RULES, INTL_REPLACEMENTS, s);
          case "zh" -> apply(RULES, REPLACEMENTS, splitChinese(s.strip()));
          case "char" -> String.join(" ", s.codePoints().mapToObj(Character::toString).toList());
          default -> s;
        };
    String trimmed = s.strip();
    return trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
  }

  private static String apply13a(String text) {
    String s = text.replace("<skipped>", "").replace("-\n", "").replace("\n", " ");
    if (s.contains("&")) {
      s = s.replace("&quot;", "\"").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">");
    }
    return apply(RULES, REPLACEMENTS, " " + s + " ");
  }

  private static String apply(Pattern[] rules, String[] replacements, String text) {
    String s = text;
    for (int i = 0; i < rules.length; i++) {
      s = rules[i].matcher(s).replaceAll(replacements[i]);
    }
    return s;
  }

  /**
   * sacreBLEU's {@code zh} tokenizer puts spaces around each character of its Chinese ranges. Two
   * of its ranges are written as five-digit {@code \\u} escapes, which Python reads as a character
   * followed by a digit; compared as strings they cover U+2001–U+2A6D and U+2F81–U+2FA1 (general
   * punctuation, arrows, math symbols...), so they do here too.
   */
  private static String splitChinese(String line) {
    StringBuilder out = new StringBuilder();
    line.codePoints()
        .forEach(
            c -> {
              if (chinese(c)) {
                out.append(' ').appendCodePoint(c).append(' ');
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.toString();
  }

  private static final int[][] ZH_RANGES = {
    {0x3400, 0x4db5}, {0x4e00, 0x9fa5}, {0x9fa6, 0x9fbb}, {0xf900, 0xfa2d}, {0xfa30, 0xfa6a},
    {0xfa70, 0xfad9}, {0x2001, 0x2a6d}, {0x2f81, 0x2fa1}, {0xff00, 0xffef}, {0x2e80, 0x2eff},
    {0x3000, 0x303f}, {0x31c0, 0x31ef}, {0x2f00, 0x2fdf}, {0x2ff0, 0x2fff}, {0x3100, 0x312f},
    {0x31a0, 0x31bf}, {0xfe10, 0xfe1f}, {0xfe30, 0xfe4f}, {0x2600, 0x26ff}, {0x2700, 0x27bf},
    {0x3200, 0x32ff}, {0x3300, 0x33ff}
  };

  private static boolean chinese(int c) {
    for (int[] r : ZH_RANGES) {
      if (c >= r[0] && c <= r[1]) {
        return true;
      }
    }
    return false;
  }

  public Stats stats(String hypothesis, List<String> references) {
    String[] hyp = tokens(hypothesis);
    Map<String, Integer> maxRef = new HashMap<>();
    long closest = -1;
    for (String r : references) {
      String[] ref = tokens(r);
      long diff = Math.abs((long) ref.length - hyp.length);
      long best = Math.abs(closest - hyp.length);
      if (closest < 0 || diff < best || (diff == best && ref.length < closest)) {
        closest = ref.length;
      }
      ngrams(ref).forEach((g, c) -> maxRef.merge(g, c, Math::max));
    }
    long[] matches = new long[MAX_ORDER];
    long[] totals = new long[MAX_ORDER];
    for (int n = 1; n <= MAX_ORDER; n++) {
      totals[n - 1] = Math.max(0, hyp.length - n + 1);
    }
    ngrams(hyp)
        .forEach(
            (g, c) -> {
              int order = g.split(" ", -1).length;
              matches[order - 1] += Math.min(c, maxRef.getOrDefault(g, 0));
            });
    return new Stats(matches, totals, hyp.length, Math.max(0, closest));
  }

  /** Corpus BLEU from summed statistics (sacreBLEU's {@code corpus_bleu}). */
  public double corpusScore(Stats s) {
    return score(s, false);
  }

  /** Sentence BLEU (sacreBLEU's {@code sentence_bleu}: effective order). */
  public double sentenceScore(String hypothesis, List<String> references) {
    return score(stats(hypothesis, references), true);
  }

  public double score(Stats s, boolean effectiveOrder) {
    if (java.util.Arrays.stream(s.matches).allMatch(m -> m == 0)) {
      return 0; // no match at any order: 0 whatever the smoothing (sacreBLEU #141)
    }
    double[] precisions = new double[MAX_ORDER];
    double smoothMteval = 1;
    int order = MAX_ORDER;
    for (int n = 1; n <= MAX_ORDER; n++) {
      double correct = s.matches[n - 1];
      double total = s.totals[n - 1];
      if (smoothing == Smoothing.ADD_K && n > 1) {
        correct += smoothValue;
        total += smoothValue;
      }
      if (total == 0) {
        break;
      }
      if (effectiveOrder) {
        order = n;
      }
      if (correct == 0) {
        if (smoothing == Smoothing.EXP) {
          smoothMteval *= 2;
          precisions[n - 1] = 100 / (smoothMteval * total);
        } else if (smoothing == Smoothing.FLOOR) {
          precisions[n - 1] = 100 * smoothValue / total;
        }
      } else {
        precisions[n - 1] = 100 * correct / total;
      }
    }
    double bp = s.hypLength < s.refLength ? Math.exp(1 - (double) s.refLength / s.hypLength) : 1;
    double logSum = 0;
    for (int n = 0; n < order; n++) {
      logSum += precisions[n] == 0 ? -9999999999.0 : Math.log(precisions[n]);
    }
    return bp * Math.exp(logSum / order);
  }

  /** N-grams of orders 1..4 joined by spaces, with counts. */
  private static Map<String, Integer> ngrams(String[] tokens) {
    Map<String, Integer> counts = new HashMap<>();
    for (int n = 1; n <= MAX_ORDER; n++) {
      for (int i = 0; i + n <= tokens.length; i++) {
        List<String> g = new ArrayList<>(n);
        for (int j = i; j < i + n; j++) {
          g.add(tokens[j]);
        }
        counts.merge(String.join(" ", g), 1, Integer::sum);
      }
    }
    return counts;
  }
}
