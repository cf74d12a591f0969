package dev.batchlm.pipeline.infer;

import dev.batchlm.cache.CacheWriter;
import dev.batchlm.cost.Budget;
import dev.batchlm.infer.Dispatcher;
import dev.batchlm.llm.ChatClient;
import dev.batchlm.llm.ChatModel;
import dev.batchlm.llm.ChatModels;
import dev.batchlm.llm.ChatRequest;
import dev.batchlm.llm.LocalChatModel;
import dev.batchlm.llm.RateLimiter;
import dev.batchlm.llm.RetryPolicy;
import dev.batchlm.llm.Route;
import dev.batchlm.spark.ExecutorCache;
import dev.batchlm.spark.GpuBinding;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.spark.LocalCopies;
import dev.batchlm.spark.RecordRows;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

/**
 * One task's calls: at most {@code infer.max-concurrency} in flight, each route's limits divided by
 * the number of tasks, a share of the remaining budget, and answers committed to {@code llm_cache}
 * as they arrive, so that a killed run has paid only for what it kept.
 */
final class Calls implements FlatMapFunction<Iterator<Row>, Row> {
  private static final long serialVersionUID = 1L;

  /** The answer to the request {@code leaderId}, shared by all requests of its first key. */
  record Called(String leaderId, String primaryKey, Answer answer) implements Serializable {}

  static final RecordRows<Called> ROWS = RecordRows.of(Called.class);
  static final String LEADER_ID = RecordRows.columnName("leaderId");

  private final InferSettings s;
  private final HadoopConf conf;
  private final String runId;
  private final int round;
  private final int tasks;
  private final double taskBudget;
  private final String cacheTable;

  Calls(
      InferSettings s,
      HadoopConf conf,
      String runId,
      int round,
      int tasks,
      double taskBudget,
      String cacheTable) {
    this.s = s;
    this.conf = conf;
    this.runId = runId;
    this.round = round;
    this.tasks = tasks;
    this.taskBudget = taskBudget;
    this.cacheTable = cacheTable;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    List<Dispatcher.Job> jobs = new ArrayList<>();
    List<String> primaryKeys = new ArrayList<>();
    while (rows.hasNext()) {
      Request r = Request.ROWS.fromRow(rows.next());
      ChatRequest request = r.chatRequest();
      jobs.add(
          new Dispatcher.Job(
              r.id(),
              s.router().chain(r.alias(), r.id()),
              request,
              Request.estimateTokens(request)));
      primaryKeys.add(r.primaryKey());
    }
    if (jobs.isEmpty()) {
      return Collections.emptyIterator();
    }
    List<Dispatcher.Outcome> outcomes = dispatch(jobs);
    List<Row> out = new ArrayList<>(outcomes.size());
    for (int i = 0; i < outcomes.size(); i++) {
      Dispatcher.Outcome o = outcomes.get(i);
      out.add(ROWS.toRow(new Called(o.job().id(), primaryKeys.get(i), Answer.called(o))));
    }
    return out.iterator();
  }

  private List<Dispatcher.Outcome> dispatch(List<Dispatcher.Job> jobs) {
    TaskContext task = TaskContext.get();
    String prefix = runId + "-r" + round + "-p" + task.partitionId() + "-a" + task.attemptNumber();
    Map<String, ChatClient> clients = new HashMap<>();
    CacheWriter cache =
        s.writesCache() ? new CacheWriter(new Path(cacheTable), prefix, conf.get()) : null;
    try {
      Dispatcher d =
          new Dispatcher(
              route -> {
                synchronized (clients) {
                  return clients.computeIfAbsent(route.name(), n -> client(route));
                }
              },
              s::price,
              new Budget(s.budgetUsd() > 0 ? Math.max(taskBudget, 1e-12) : 0),
              s.maxConcurrency(),
              cache == null ? e -> {} : cache::put,
              runId,
              s.maxTokens());
      return d.run(jobs);
    } finally {
      if (cache != null) {
        cache.close();
      }
    }
  }

  private ChatClient client(Route route) {
    return new ChatClient(
        route,
        chatModel(route),
        new RateLimiter(
            route.requestsPerMinute() / tasks,
            route.tokensPerMinute() / tasks,
            System::nanoTime,
            RetryPolicy.Sleeper.REAL),
        new RetryPolicy(route.maxAttempts(), 500, 30_000, s.requestBudgetMillis()),
        RetryPolicy.Sleeper.REAL);
  }

  /**
   * A remote client, or the local checkpoint: copied from any Hadoop path and loaded once per
   * executor JVM and device (this task's GPU when Spark gave it one), shared by its tasks so that
   * their requests decode in one batch.
   */
  private ChatModel chatModel(Route route) {
    if (!route.provider().equals(LocalChatModel.FAMILY)) {
      return ChatModels.forRoute(route, conf.get(), s.maxTokens());
    }
    String device = GpuBinding.bindTaskGpu().orElse("cpu");
    return ExecutorCache.get(
        "local-llm:" + route.checkpoint() + "+" + route.adapter() + "|" + s.local() + "|" + device,
        () ->
            new LocalChatModel(
                LocalCopies.of(route.checkpoint(), conf.get()),
                route.adapter().isEmpty() ? null : LocalCopies.of(route.adapter(), conf.get()),
                s.maxTokens(),
                s.local()));
  }
}
