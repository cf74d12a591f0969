package dev.batchlm.pipeline.loratrain;

import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.pipeline.loratrain.LoraTrainAction.Settings;
import dev.batchlm.spark.ExecutorCache;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.LocalCopies;
import dev.batchlm.train.BaseWeights;
import dev.batchlm.train.Gradients;
import dev.batchlm.train.LoraWorker;
import dev.batchlm.train.Sequence;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;
import scala.Tuple2;

/**
 * What the executors compute for a step: each task's share of the step's batch (its gradients,
 * through a {@link LoraWorker} over the executor's base weights), summed in task order; and the
 * validation loss.
 */
final class Shares {
  /** Shares the driver adds itself (each is only the LoRA matrices' size). */
  static final int DIRECT = 8;

  private Shares() {}

  /** The summed gradients (token weight 1) of positions {@code [from, to)} over all tasks. */
  static Gradients stepGradients(
      JavaRDD<List<LoraWorker.Indexed>> order,
      Broadcast<LoraAdapter> params,
      Settings s,
      HadoopConf conf,
      long from,
      long to,
      int step) {
    JavaPairRDD<Integer, Gradients> shares =
        order
            .mapPartitionsWithIndex(
                (Integer task, Iterator<List<LoraWorker.Indexed>> it) -> {
                  List<LoraWorker.Indexed> share = TrainingData.window(it.next(), from, to);
                  Gradients g =
                      share.isEmpty()
                          ? Gradients.NONE
                          : worker(s, conf).gradients(params.value(), share, 1, s.seed(), step);
                  return List.of(new Tuple2<>(task, g)).iterator();
                },
                false)
            .mapToPair(t -> t);
    return sumInTaskOrder(shares, order.getNumPartitions());
  }

  /**
   * The shares' sum, always added in task order, so that a run repeats bit for bit (float addition
   * is not associative, and tasks finish in any order). Up to {@link #DIRECT} shares go to the
   * driver as they are (no shuffle stage in the step); more are summed in groups of about √n tasks
   * on the executors, and the groups' sums on the driver.
   */
  static Gradients sumInTaskOrder(JavaPairRDD<Integer, Gradients> shares, int tasks) {
    if (tasks <= DIRECT) {
      return inOrder(shares.collect());
    }
    int fanIn = (int) Math.ceil(Math.sqrt(tasks));
    return inOrder(
        shares
            .mapToPair(t -> new Tuple2<>(t._1() / fanIn, t))
            .groupByKey()
            .mapValues(Shares::inOrder)
            .collect());
  }

  private static Gradients inOrder(Iterable<Tuple2<Integer, Gradients>> shares) {
    List<Tuple2<Integer, Gradients>> sorted = new ArrayList<>();
    shares.forEach(sorted::add);
    sorted.sort(Comparator.comparing(Tuple2::_1));
    Gradients sum = Gradients.NONE;
    for (Tuple2<Integer, Gradients> t : sorted) {
      sum = sum.plus(t._2());
    }
    return sum;
  }

  /** The mean token loss of the validation split at {@code params}; null without one. */
  static Double validationLoss(
      JavaSparkContext sc, Settings s, HadoopConf conf, TrainingData data, LoraAdapter params) {
    if (data.validation() == 0) {
      return null;
    }
    Broadcast<LoraAdapter> b = sc.broadcast(params);
    double[] sum =
        data.validationRows()
            .mapPartitions(
                (Iterator<LoraWorker.Indexed> it) -> {
                  List<Sequence> rows = new ArrayList<>();
                  it.forEachRemaining(x -> rows.add(x.sequence()));
                  double[] r =
                      rows.isEmpty() ? new double[2] : worker(s, conf).lossSum(b.value(), rows);
                  return List.of(r).iterator();
                })
            .reduce((x, y) -> new double[] {x[0] + y[0], x[1] + y[1]});
    b.destroy();
    return sum[1] == 0 ? null : sum[0] / sum[1];
  }

  /** This thread's worker over the executor's base weights (loaded once per JVM). */
  private static LoraWorker worker(Settings s, HadoopConf conf) {
    BaseWeights base =
        ExecutorCache.get(
            "lora-base:" + s.baseModel(),
            () -> {
              try (Checkpoint c = Checkpoint.open(LocalCopies.of(s.baseModel(), conf.get()))) {
                return new BaseWeights(c, DataType.FLOAT);
              }
            });
    String key = s.baseModel() + "|" + s.microBatch() + "|" + s.dropout();
    java.util.Map<String, LoraWorker> mine = WORKERS.get();
    return mine.computeIfAbsent(key, k -> new LoraWorker(base, s.microBatch(), s.dropout()));
  }

  // graphs hold the parameters they differentiate: one worker per task thread
  private static final ThreadLocal<java.util.Map<String, LoraWorker>> WORKERS =
      ThreadLocal.withInitial(java.util.HashMap::new);
}
