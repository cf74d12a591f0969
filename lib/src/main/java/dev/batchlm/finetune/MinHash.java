package dev.batchlm.finetune;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * MinHash signatures of a text's word shingles, and the LSH bands that make near-duplicates meet
 * (Broder 1997; Leskovec, Rajaraman and Ullman, <i>Mining of Massive Datasets</i>, ch. 3). Two
 * texts whose shingle sets have Jaccard similarity {@code s} agree on one signature value with
 * probability {@code s}, and share at least one of {@code b} bands of {@code r} values with
 * probability {@code 1 - (1 - s^r)^b}: the S-curve whose steep part sits near the threshold. {@link
 * #forThreshold} picks the {@code b × r} that minimises the area of false positives below the
 * threshold and false negatives above it, as datasketch does.
 *
 * <p>Shingles are hashed to 64 bits (FNV-1a over UTF-8, then SplitMix64's finalizer to spread the
 * bits; no hashing library is on the executors' classpath); each of the signature's permutations is
 * {@code (a·x + c) mod (2^61 - 1)} with {@code a}, {@code c} drawn from the seed, so a signature
 * depends only on the text, the shingle size, the number of permutations and the seed.
 */
public final class MinHash implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final long PRIME =
      (1L << 61) - 1; // a Mersenne prime: reduction is shifts and adds

  private final int shingleWords;
  private final int bands;
  private final int rows;
  private final long[] a;
  private final long[] c;

  public MinHash(int shingleWords, int bands, int rows, long seed) {
    if (shingleWords < 1 || bands < 1 || rows < 1) {
      throw new IllegalArgumentException("shingle words, bands and rows must be at least 1");
    }
    this.shingleWords = shingleWords;
    this.bands = bands;
    this.rows = rows;
    SplittableRandom random = new SplittableRandom(seed);
    a = new long[bands * rows];
    c = new long[bands * rows];
    for (int i = 0; i < a.length; i++) {
      a[i] = 1 + random.nextLong(PRIME - 1);
      c[i] = random.nextLong(PRIME);
    }
  }

  /** Bands and rows for {@code permutations} values chosen for a Jaccard {@code threshold}. */
  public static MinHash forThreshold(
      double threshold, int permutations, int shingleWords, long seed) {
    int[] br = bandsAndRows(threshold, permutations);
    return new MinHash(shingleWords, br[0], br[1], seed);
  }

  public int bands() {
    return bands;
  }

  public int rows() {
    return rows;
  }

  /** The probability that two texts of Jaccard similarity {@code s} share a band. */
  public static double candidateProbability(double s, int bands, int rows) {
    return 1 - Math.pow(1 - Math.pow(s, rows), bands);
  }

  /**
   * A missed pair weighs this much more than a false candidate when bands are chosen: candidates
   * are checked afterwards, so a false one costs a comparison, a missed one a duplicate kept. With
   * equal weights, 256 values at 0.8 (17 × 15) found a pair of J = 0.836 with probability 0.70;
   * weighted, (23 × 11) finds it with 0.97, for 8 % false candidates at J = 0.6.
   */
  static final double MISS_WEIGHT = 9;

  /**
   * The {@code (b, r)} with {@code b·r ≤ permutations} minimising the false-positive area below the
   * threshold plus {@link #MISS_WEIGHT} times the false-negative area above it.
   */
  static int[] bandsAndRows(double threshold, int permutations) {
    int[] best = {1, 1};
    double bestError = Double.MAX_VALUE;
    for (int b = 1; b <= permutations; b++) {
      for (int r = 1; r <= permutations / b; r++) {
        final int bb = b;
        final int rr = r;
        double falsePositive = integrate(s -> candidateProbability(s, bb, rr), 0, threshold);
        double falseNegative = integrate(s -> 1 - candidateProbability(s, bb, rr), threshold, 1);
        double error = falsePositive + MISS_WEIGHT * falseNegative;
        if (error < bestError) {
          bestError = error;
          best = new int[] {b, r};
        }
      }
    }
    return best;
  }

  private static double integrate(
      java.util.function.DoubleUnaryOperator f, double from, double to) {
    int steps = 200; // Simpson's rule; the integrands are smooth polynomials in s
    double h = (to - from) / steps;
    double sum = f.applyAsDouble(from) + f.applyAsDouble(to);
    for (int i = 1; i < steps; i++) {
      sum += (i % 2 == 1 ? 4 : 2) * f.applyAsDouble(from + i * h);
    }
    return sum * h / 3;
  }

  /** The distinct hashed word shingles of a text: lower-cased, split on non-letters and digits. */
  public long[] shingles(String text) {
    String[] words =
        Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+"))
            .filter(w -> !w.isEmpty())
            .toArray(String[]::new);
    int count = Math.max(1, words.length - shingleWords + 1);
    long[] out = new long[words.length == 0 ? 0 : count];
    for (int i = 0; i < out.length; i++) {
      String shingle =
          String.join(
              " ", Arrays.asList(words).subList(i, Math.min(words.length, i + shingleWords)));
      out[i] = hash(shingle);
    }
    return Arrays.stream(out).distinct().sorted().toArray();
  }

  static long hash(String shingle) {
    long h = 0xcbf29ce484222325L;
    for (byte b : shingle.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xff)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
    h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
    return h ^ (h >>> 31);
  }

  /** The signature of a text: per permutation, the least permuted shingle hash. */
  public long[] signature(String text) {
    return signatureOf(shingles(text));
  }

  long[] signatureOf(long[] shingles) {
    long[] sig = new long[a.length];
    Arrays.fill(sig, Long.MAX_VALUE);
    for (long shingle : shingles) {
      long x = Long.remainderUnsigned(shingle, PRIME);
      for (int i = 0; i < sig.length; i++) {
        long h = addMod(mulMod(a[i], x), c[i]);
        if (h < sig[i]) {
          sig[i] = h;
        }
      }
    }
    return sig;
  }

  /** One hash per band: texts that share a band's value are candidates. The band's index is in. */
  public long[] bandHashes(long[] signature) {
    long[] out = new long[bands];
    for (int band = 0; band < bands; band++) {
      long h = band * 0x9E3779B97F4A7C15L;
      for (int i = band * rows; i < (band + 1) * rows; i++) {
        h = (h ^ signature[i]) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
      }
      out[band] = h;
    }
    return out;
  }

  /** The estimated Jaccard similarity: the fraction of signature values two texts agree on. */
  public static double similarity(long[] sig1, long[] sig2) {
    int same = 0;
    for (int i = 0; i < sig1.length; i++) {
      same += sig1[i] == sig2[i] ? 1 : 0;
    }
    return same / (double) sig1.length;
  }

  /** The exact Jaccard similarity of two sorted, distinct shingle arrays. */
  public static double jaccard(long[] x, long[] y) {
    int i = 0;
    int j = 0;
    int both = 0;
    while (i < x.length && j < y.length) {
      if (x[i] == y[j]) {
        both++;
        i++;
        j++;
      } else if (x[i] < y[j]) {
        i++;
      } else {
        j++;
      }
    }
    int union = x.length + y.length - both;
    return union == 0 ? 1 : both / (double) union;
  }

  /** (x·y) mod p for x, y < p = 2^61 - 1: the 122-bit product folded at bit 61 (2^61 ≡ 1). */
  static long mulMod(long x, long y) {
    long hi = Math.multiplyHigh(x, y);
    long lo = x * y;
    long r = (hi << 3) + (lo >>> 61) + (lo & PRIME);
    return reduce(r);
  }

  private static long addMod(long x, long y) {
    return reduce(x + y);
  }

  private static long reduce(long r) {
    r = (r & PRIME) + (r >>> 61);
    return r >= PRIME ? r - PRIME : r;
  }
}
