package dev.batchlm.pipeline.ftprep;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.finetune.MinHash;
import dev.batchlm.testing.LocalSpark;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Clusters on Spark against a union-find over the exact Jaccard similarity of every pair, and the
 * connected components against a graph drawn by hand.
 */
class NearDuplicatesTest {
  private final SparkSession spark = LocalSpark.session();

  private Dataset<Row> rows(StructType schema, List<Row> rows) {
    return spark.createDataFrame(rows, schema).repartition(3);
  }

  @Test
  void componentsOfAGraphDrawnByHand() {
    StructType ids = new StructType().add("id", DataTypes.StringType);
    StructType links =
        new StructType().add("head", DataTypes.StringType).add("id", DataTypes.StringType);
    List<Row> nodes =
        List.of("a", "b", "c", "d", "e", "f", "g").stream().map(x -> RowFactory.create(x)).toList();
    // a chain d - c - b - a whose least id is at the far end, a pair, a singleton
    List<Row> edges =
        List.of(
            RowFactory.create("c", "d"),
            RowFactory.create("b", "c"),
            RowFactory.create("a", "b"),
            RowFactory.create("e", "f"));

    Map<String, String> byId =
        NearDuplicates.components(rows(ids, nodes), rows(links, edges)).collectAsList().stream()
            .collect(Collectors.toMap(r -> r.getString(0), r -> r.getString(1)));

    assertThat(byId)
        .isEqualTo(Map.of("a", "a", "b", "a", "c", "a", "d", "a", "e", "e", "f", "e", "g", "g"));
  }

  @Test
  void clustersMatchExactJaccardOfEveryPair() {
    SplittableRandom random = new SplittableRandom(11);
    List<String> vocabulary = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      vocabulary.add("w" + Long.toString(random.nextLong(1L << 40), 36));
    }
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 800; i++) {
      List<String> words = new ArrayList<>();
      for (int w = 0; w < 60; w++) {
        words.add(vocabulary.get(random.nextInt(vocabulary.size())));
      }
      texts.add(String.join(" ", words));
    }
    for (int i = 0; i < 200; i++) { // planted: copies of copies too, so that clusters chain
      String[] words = texts.get(random.nextInt(texts.size())).split(" ");
      words[random.nextInt(words.length)] = vocabulary.get(random.nextInt(vocabulary.size()));
      texts.add(String.join(" ", words));
    }
    double threshold = 0.7;
    MinHash minHash = MinHash.forThreshold(threshold, FtPrepAction.NEAR_DUP_PERMUTATIONS, 5, 3);
    StructType schema =
        new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
    List<Row> input = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      input.add(RowFactory.create(Integer.toString(i), texts.get(i)));
    }

    List<NearDuplicates.Member> members =
        NearDuplicates.MEMBERS
            .rows(NearDuplicates.clusters(rows(schema, input), minHash, threshold))
            .collect();

    // the independent answer: union-find over the pairs whose exact Jaccard reaches the threshold
    int[] parent = new int[texts.size()];
    for (int i = 0; i < parent.length; i++) {
      parent[i] = i;
    }
    List<long[]> shingles = texts.stream().map(minHash::shingles).toList();
    for (int i = 0; i < texts.size(); i++) {
      for (int j = i + 1; j < texts.size(); j++) {
        if (MinHash.jaccard(shingles.get(i), shingles.get(j)) >= threshold) {
          parent[find(parent, j)] = find(parent, i);
        }
      }
    }
    // pairs of texts put together: on Spark, by exact similarity, and by both
    Map<String, List<Integer>> spark =
        members.stream()
            .collect(
                Collectors.groupingBy(
                    NearDuplicates.Member::cluster,
                    Collectors.mapping(m -> Integer.parseInt(m.id()), Collectors.toList())));
    long sparkPairs = pairs(spark.values());
    long exactPairs =
        pairs(
            java.util.stream.IntStream.range(0, texts.size())
                .boxed()
                .collect(Collectors.groupingBy(i -> find(parent, i)))
                .values());
    long both =
        spark.values().stream()
            .mapToLong(
                c ->
                    pairs(c.stream().collect(Collectors.groupingBy(i -> find(parent, i))).values()))
            .sum();
    System.out.printf(
        "near-duplicate pairs: %d by exact Jaccard, %d on Spark, %d in both: recall %.3f,"
            + " precision %.3f%n",
        exactPairs, sparkPairs, both, both / (double) exactPairs, both / (double) sparkPairs);
    assertThat(members).hasSize(texts.size());
    assertThat(exactPairs).isGreaterThan(150);
    assertThat(both / (double) exactPairs).as("recall").isGreaterThan(0.9);
    assertThat(both / (double) sparkPairs).as("precision").isGreaterThan(0.9);
  }

  private static long pairs(Collection<List<Integer>> groups) {
    return groups.stream().mapToLong(g -> (long) g.size() * (g.size() - 1) / 2).sum();
  }

  private static int find(int[] parent, int i) {
    while (parent[i] != i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  }
}
