package dev.batchlm.pipeline.ftprep;

import static org.apache.spark.sql.functions.col;

import dev.batchlm.finetune.Packing;
import dev.batchlm.table.FinetuneExamples;
import dev.batchlm.table.FinetunePacked;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * {@code finetune_examples} rows packed into {@code finetune_packed} sequences. Each task packs its
 * share of one split: the examples are spread over tasks so that each holds about {@link
 * #TOKENS_PER_TASK} tokens in memory, never more than the task's share, and nothing goes to the
 * driver. Within a task the examples are taken in id order, so a rerun packs the same way.
 */
final class PackedSequences {
  /** Tokens one task packs at a time: ids and labels of 8M tokens are 128 MB. */
  static final long TOKENS_PER_TASK = 8_000_000;

  private PackedSequences() {}

  /**
   * @param examples {@code finetune_examples} rows with tokens
   * @param tokens their tokens, which decide how many tasks pack them
   */
  static Dataset<Row> pack(
      Dataset<Row> examples, long tokens, int maxLength, Packing.Strategy strategy) {
    int tasks = (int) Math.max(1, (tokens + TOKENS_PER_TASK - 1) / TOKENS_PER_TASK);
    Dataset<Row> spread =
        examples
            .select(
                FinetuneExamples.SPLIT,
                FinetuneExamples.EXAMPLE_ID,
                FinetuneExamples.INPUT_IDS,
                FinetuneExamples.LABELS)
            .repartition(tasks, col(FinetuneExamples.SPLIT), col(FinetuneExamples.EXAMPLE_ID))
            .sortWithinPartitions(FinetuneExamples.SPLIT, FinetuneExamples.EXAMPLE_ID);
    return examples
        .sparkSession()
        .createDataFrame(
            spread
                .javaRDD()
                .mapPartitions((Iterator<Row> rows) -> packed(rows, maxLength, strategy)),
            FinetunePacked.SCHEMA);
  }

  /** One task's examples (sorted by split) as sequences, a split at a time. */
  static Iterator<Row> packed(Iterator<Row> rows, int maxLength, Packing.Strategy strategy) {
    List<Row> out = new ArrayList<>();
    List<Row> split = new ArrayList<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      if (!split.isEmpty() && !split.get(0).getString(0).equals(r.getString(0))) {
        packSplit(split, maxLength, strategy, out);
        split.clear();
      }
      split.add(r);
    }
    if (!split.isEmpty()) {
      packSplit(split, maxLength, strategy, out);
    }
    return out.iterator();
  }

  private static void packSplit(
      List<Row> examples, int maxLength, Packing.Strategy strategy, List<Row> out) {
    int[] lengths = examples.stream().mapToInt(r -> r.getList(2).size()).toArray();
    for (int[] sequence : Packing.assign(lengths, maxLength, strategy)) {
      List<String> ids = new ArrayList<>();
      List<long[]> inputIds = new ArrayList<>();
      List<long[]> labels = new ArrayList<>();
      for (int e : sequence) {
        Row r = examples.get(e);
        ids.add(r.getString(1));
        inputIds.add(longs(r.getList(2)));
        labels.add(longs(r.getList(3)));
      }
      Packing.Sequence s = Packing.concat(inputIds, labels);
      out.add(
          RowFactory.create(
              examples.get(sequence[0]).getString(0) + ":" + ids.get(0),
              examples.get(sequence[0]).getString(0),
              ids.toArray(String[]::new),
              boxed(s.inputIds()),
              boxed(s.labels()),
              boxed(s.positionIds()),
              boxed(s.lengths()),
              s.tokens(),
              maxLength));
    }
  }

  private static long[] longs(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).toArray();
  }

  private static Long[] boxed(long[] values) {
    return java.util.Arrays.stream(values).boxed().toArray(Long[]::new);
  }

  private static Integer[] boxed(int[] values) {
    return java.util.Arrays.stream(values).boxed().toArray(Integer[]::new);
  }
}
