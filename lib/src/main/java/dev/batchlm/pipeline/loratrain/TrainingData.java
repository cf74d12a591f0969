package dev.batchlm.pipeline.loratrain;

import static org.apache.spark.sql.functions.col;

import dev.batchlm.config.ConfigException;
import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.table.FinetuneExamples;
import dev.batchlm.table.FinetunePacked;
import dev.batchlm.table.Tables;
import dev.batchlm.train.LoraWorker;
import dev.batchlm.train.Sequence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * The examples lora-train learns from: the run date's packed sequences if ft-prep packed them, else
 * its tokenized examples, as numbered {@link Sequence}s of each split, persisted for the run; and
 * each epoch's order, spread over the tasks.
 */
record TrainingData(
    JavaRDD<LoraWorker.Indexed> trainRows,
    JavaRDD<LoraWorker.Indexed> validationRows,
    long train,
    long validation,
    int maxTokenId,
    String table) {

  /** Token ids outside the base model's vocabulary: the examples were made for another model. */
  void checkTokens(LlamaConfig model, String base) {
    if (maxTokenId >= model.vocabSize()) {
      throw new ConfigException(
          "The examples hold token id "
              + maxTokenId
              + " but "
              + base
              + " has a vocabulary of "
              + model.vocabSize()
              + ": they were tokenized for another model (check ft-prep.base-model)");
    }
  }

  void unpersist() {
    trainRows.unpersist();
    validationRows.unpersist();
  }

  /** The run date's packed sequences if ft-prep packed them, else its tokenized examples. */
  static TrainingData read(JobRun run) {
    Path packed = Tables.partition(Tables.table(run.root, FinetunePacked.SPEC), run.runDate);
    boolean isPacked = exists(packed, run.hadoopConf());
    Dataset<Row> rows;
    if (isPacked) {
      rows =
          run.readPartition(FinetunePacked.SPEC, null, "ft-prep")
              .select(
                  col(FinetunePacked.SEQUENCE_ID).as("id"),
                  col(FinetunePacked.SPLIT).as("split"),
                  col(FinetunePacked.INPUT_IDS).as("ids"),
                  col(FinetunePacked.LABELS).as("labels"),
                  col(FinetunePacked.POSITION_IDS).as("positions"),
                  col(FinetunePacked.SEQUENCE_LENGTHS).as("lengths"));
    } else {
      rows =
          run.readPartition(FinetuneExamples.SPEC, null, "ft-prep")
              .filter(col(FinetuneExamples.INPUT_IDS).isNotNull())
              .select(
                  col(FinetuneExamples.EXAMPLE_ID).as("id"),
                  col(FinetuneExamples.SPLIT).as("split"),
                  col(FinetuneExamples.INPUT_IDS).as("ids"),
                  col(FinetuneExamples.LABELS).as("labels"),
                  org.apache.spark.sql.functions.lit(null).cast("array<int>").as("positions"),
                  org.apache.spark.sql.functions.lit(null).cast("array<int>").as("lengths"));
    }
    JavaRDD<LoraWorker.Indexed> train = indexed(rows, "train");
    JavaRDD<LoraWorker.Indexed> validation = indexed(rows, "validation");
    train.persist(StorageLevel.MEMORY_AND_DISK());
    validation.persist(StorageLevel.MEMORY_AND_DISK());
    long n = train.count();
    if (n == 0) {
      throw new ConfigException(
          "No tokenized train examples for "
              + run.runDate
              + " in "
              + (isPacked ? "finetune_packed" : "finetune_examples")
              + ": run ft-prep with ft-prep.base-model set first");
    }
    int maxId =
        train
            .union(validation)
            .map(x -> java.util.Arrays.stream(x.sequence().inputIds()).max().orElse(0))
            .reduce(Math::max);
    return new TrainingData(
        train,
        validation,
        n,
        validation.count(),
        maxId,
        isPacked ? "finetune_packed" : "finetune_examples");
  }

  /** One split's rows as sequences, numbered in id order (the same numbers on every run). */
  private static JavaRDD<LoraWorker.Indexed> indexed(Dataset<Row> rows, String split) {
    return rows.filter(col("split").equalTo(split))
        .orderBy("id")
        .javaRDD()
        .zipWithIndex()
        .map(t -> new LoraWorker.Indexed(t._2(), sequence(t._1())));
  }

  private static Sequence sequence(Row r) {
    int[] ids = ints(r.getList(r.fieldIndex("ids")));
    int[] labels = ints(r.getList(r.fieldIndex("labels")));
    if (r.isNullAt(r.fieldIndex("positions"))) {
      return Sequence.of(ids, labels);
    }
    return new Sequence(
        ids,
        labels,
        ints(r.getList(r.fieldIndex("positions"))),
        ints(r.getList(r.fieldIndex("lengths"))));
  }

  private static int[] ints(List<? extends Number> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).intValue();
    }
    return out;
  }

  private static boolean exists(Path p, HadoopConf conf) {
    try {
      return p.getFileSystem(conf.get()).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The epoch's order: sorted by a hash of (seed, epoch, number), numbered by position, and spread
   * over the partitions by position modulo their count, so that every step's batch is shared by all
   * tasks. Each partition is one list in position order ({@link LoraWorker.Indexed#index} is the
   * position): a step finds its window by binary search instead of reading every row.
   */
  static JavaRDD<List<LoraWorker.Indexed>> epochOrder(
      JavaRDD<LoraWorker.Indexed> rows, long seed, int epoch, int partitions) {
    JavaRDD<List<LoraWorker.Indexed>> order =
        rows.sortBy(x -> shuffleKey(seed, epoch, x.index()), true, partitions)
            .zipWithIndex()
            .mapToPair(t -> new Tuple2<>(t._2(), t._1().sequence()))
            // a Long's hash is itself: position mod n
            .repartitionAndSortWithinPartitions(new HashPartitioner(partitions))
            .mapPartitions(
                it -> {
                  List<LoraWorker.Indexed> sorted = new ArrayList<>();
                  it.forEachRemaining(t -> sorted.add(new LoraWorker.Indexed(t._1(), t._2())));
                  return List.of(sorted).iterator();
                });
    order.persist(StorageLevel.MEMORY_AND_DISK());
    return order;
  }

  /** The rows of a partition's list whose positions are in {@code [from, to)}. */
  static List<LoraWorker.Indexed> window(List<LoraWorker.Indexed> sorted, long from, long to) {
    return sorted.subList(firstAtOrAfter(sorted, from), firstAtOrAfter(sorted, to));
  }

  private static int firstAtOrAfter(List<LoraWorker.Indexed> sorted, long position) {
    int lo = 0;
    int hi = sorted.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted.get(mid).index() < position) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static long shuffleKey(long seed, int epoch, long index) {
    long h = (seed ^ 0x5DEECE66DL) * 0x9E3779B97F4A7C15L + epoch;
    h = (h ^ (h >>> 29)) * 0xBF58476D1CE4E5B9L + index;
    h = (h ^ (h >>> 32)) * 0x94D049BB133111EBL;
    return h ^ (h >>> 29);
  }
}
