package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * MinHash and its bands against independent answers: modular products against BigInteger, the
 * chance of becoming candidates against the S-curve formula, and near-duplicates found against
 * exact Jaccard similarity computed for every pair.
 */
class MinHashTest {
  private static final long PRIME = (1L << 61) - 1;

  @Test
  void modularProductsEqualBigIntegerArithmetic() {
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < 10_000; i++) {
      long x = random.nextLong(PRIME);
      long y = random.nextLong(PRIME);
      long expected =
          BigInteger.valueOf(x)
              .multiply(BigInteger.valueOf(y))
              .mod(BigInteger.valueOf(PRIME))
              .longValue();
      assertThat(MinHash.mulMod(x, y)).isEqualTo(expected);
    }
    assertThat(MinHash.mulMod(PRIME - 1, PRIME - 1)).isEqualTo(1); // (-1)² ≡ 1
  }

  /** Two sets of 120 hashed ids sharing {@code shared}: Jaccard shared / (240 - shared). */
  private static long[][] pair(int shared, long salt) {
    long[] x = LongStream.range(0, 120).map(i -> mix(i + salt)).sorted().toArray();
    long[] y =
        LongStream.range(120 - shared, 240 - shared).map(i -> mix(i + salt)).sorted().toArray();
    return new long[][] {x, y};
  }

  private static long mix(long z) { // SplitMix64's finalizer: ids spread like hashed shingles
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  @Test
  void sharingABandFollowsTheSCurve() {
    int bands = 16;
    int rows = 8;
    int trials = 400;
    for (int shared : new int[] {60, 80, 100, 110}) {
      long[][] sets = pair(shared, shared * 1000L);
      double s = MinHash.jaccard(sets[0], sets[1]);
      assertThat(s).isEqualTo(shared / (240.0 - shared));
      int candidates = 0;
      double estimated = 0;
      for (int seed = 0; seed < trials; seed++) {
        MinHash m = new MinHash(5, bands, rows, seed);
        long[] s1 = m.signatureOf(sets[0]);
        long[] s2 = m.signatureOf(sets[1]);
        estimated += MinHash.similarity(s1, s2) / trials;
        long[] b1 = m.bandHashes(s1);
        long[] b2 = m.bandHashes(s2);
        boolean meet = false;
        for (int b = 0; b < bands; b++) {
          meet |= b1[b] == b2[b];
        }
        candidates += meet ? 1 : 0;
      }
      double p = MinHash.candidateProbability(s, bands, rows);
      double tolerance = 4 * Math.sqrt(p * (1 - p) / trials) + 0.01;
      assertThat(candidates / (double) trials).as("J = %.3f", s).isCloseTo(p, within(tolerance));
      assertThat(estimated).as("mean estimate at J = %.3f", s).isCloseTo(s, within(0.01));
    }
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.data.Offset.offset(d);
  }

  @Test
  void theBandsChosenForAThresholdPutTheSCurvesSteepPartThere() {
    MinHash m = MinHash.forThreshold(0.7, 128, 5, 0);
    assertThat(m.bands() * m.rows()).isLessThanOrEqualTo(128);
    // the S-curve's inflection, (1/b)^(1/r), lies a little below the threshold: misses weigh more
    assertThat(Math.pow(1.0 / m.bands(), 1.0 / m.rows())).isBetween(0.55, 0.7);
    assertThat(MinHash.candidateProbability(0.7, m.bands(), m.rows())).isGreaterThan(0.85);
    assertThat(MinHash.candidateProbability(0.9, m.bands(), m.rows())).isGreaterThan(0.999);
    assertThat(MinHash.candidateProbability(0.4, m.bands(), m.rows())).isLessThan(0.1);
  }

  @Test
  void nearDuplicatesFoundAgainstExactJaccardOfEveryPair() {
    SplittableRandom random = new SplittableRandom(7);
    List<String> vocabulary = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      vocabulary.add("w" + Long.toString(random.nextLong(1L << 40), 36));
    }
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 1600; i++) {
      List<String> words = new ArrayList<>();
      for (int w = 0; w < 60; w++) {
        words.add(vocabulary.get(random.nextInt(vocabulary.size())));
      }
      texts.add(String.join(" ", words));
    }
    for (int i = 0; i < 400; i++) { // planted: a copy with 0 to 4 words replaced
      String[] words = texts.get(random.nextInt(1600)).split(" ");
      for (int e = random.nextInt(5); e > 0; e--) {
        words[random.nextInt(words.length)] = vocabulary.get(random.nextInt(vocabulary.size()));
      }
      texts.add(String.join(" ", words));
    }
    double threshold = 0.7;
    MinHash m = MinHash.forThreshold(threshold, 128, 5, 42);
    List<long[]> shingles = texts.stream().map(m::shingles).toList();
    List<long[]> signatures = shingles.stream().map(m::signatureOf).toList();

    Set<Long> truth = new HashSet<>(); // exact, by brute force over all pairs
    for (int i = 0; i < texts.size(); i++) {
      for (int j = i + 1; j < texts.size(); j++) {
        if (MinHash.jaccard(shingles.get(i), shingles.get(j)) >= threshold) {
          truth.add((long) i * texts.size() + j);
        }
      }
    }
    Map<Long, List<Integer>> buckets = new HashMap<>();
    for (int i = 0; i < texts.size(); i++) {
      long[] bands = m.bandHashes(signatures.get(i));
      for (long band : bands) {
        buckets.computeIfAbsent(band, k -> new ArrayList<>()).add(i);
      }
    }
    Set<Long> found = new HashSet<>();
    for (List<Integer> bucket : buckets.values()) {
      for (int x = 0; x < bucket.size(); x++) {
        for (int y = x + 1; y < bucket.size(); y++) {
          int i = Math.min(bucket.get(x), bucket.get(y));
          int j = Math.max(bucket.get(x), bucket.get(y));
          if (MinHash.similarity(signatures.get(i), signatures.get(j)) >= threshold) {
            found.add((long) i * texts.size() + j);
          }
        }
      }
    }
    long truePositives = found.stream().filter(truth::contains).count();
    double recall = truePositives / (double) truth.size();
    double precision = truePositives / (double) found.size();
    System.out.printf(
        "near-duplicates at J >= %.2f (b=%d, r=%d): %d true pairs, %d found, recall %.3f,"
            + " precision %.3f%n",
        threshold, m.bands(), m.rows(), truth.size(), found.size(), recall, precision);
    // pairs near the threshold fall either side of it by the signature's estimate (±0.04 at 128)
    assertThat(truth.size()).as("planted pairs above the threshold").isGreaterThan(150);
    assertThat(recall).isGreaterThan(0.85);
    assertThat(precision).isGreaterThan(0.85);
  }
}
