package dev.batchlm.jobs;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.pipeline.chunk.ChunkAction;
import dev.batchlm.pipeline.embed.EmbedAction;
import dev.batchlm.pipeline.eval.EvalAction;
import dev.batchlm.pipeline.ftprep.FtPrepAction;
import dev.batchlm.pipeline.infer.InferAction;
import dev.batchlm.pipeline.ingest.IngestAction;
import dev.batchlm.pipeline.loratrain.LoraTrainAction;
import dev.batchlm.pipeline.report.ReportAction;
import dev.batchlm.pipeline.retrieve.RetrieveAction;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;

/**
 * The nightly run in one command: ingest, chunk, then embed when {@code embed.model} (or {@code
 * embed.endpoint}) is set, retrieve when {@code retrieve.queries} is, infer when {@code
 * infer.model} is, eval when {@code eval.references} or {@code eval.judgments} is, ft-prep when
 * {@code ft-prep.feedback} or {@code ft-prep.datasets} is, and lora-train on ft-prep's examples
 * when {@code lora-train.base-model} is; then the monitoring report of the night.
 *
 * <pre>
 * spark-submit --class dev.batchlm.jobs.BatchLm batchlm-jobs.jar pipeline --conf hdfs:///conf/nightly.conf
 * </pre>
 */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description =
        "Run the nightly pipeline: ingest, chunk, embed, retrieve, infer, eval, ft-prep,"
            + " lora-train, report.")
class PipelineJob extends BatchLm.Job {
  @Override
  public Integer call() {
    BatchConfig loaded = checked(name(), options.load("ingest", BatchLm.sparkProperties()));
    // every stage writes the night the pipeline started, even when a stage ends after midnight
    BatchConfig config =
        loaded.with(
            "the pipeline's night",
            Map.of(ConfigKeys.RUN_DATE.name(), BatchConfig.quoted(loaded.runDate().toString())));
    SparkSession spark = BatchLm.session(name());
    IngestAction.Result ingest = IngestAction.run(spark, config);
    ChunkAction.Result chunk = ChunkAction.run(spark, config);
    // embed runs when a model is configured (the demo passes its tiny one)
    EmbedAction.Result embed =
        EmbedAction.configured(config) ? EmbedAction.run(spark, config) : null;
    // retrieve runs when a queries table is configured
    RetrieveAction.Result retrieve =
        config.isSet(ConfigKeys.RETRIEVE_QUERIES) ? RetrieveAction.run(spark, config) : null;
    // infer runs when a model is configured (the demo: RAG answers from its tiny local model)
    InferAction.Result infer =
        config.isSet(ConfigKeys.INFER_MODEL) ? InferAction.run(spark, config) : null;
    // eval runs when references or judgments are configured (the demo: its questions' answers)
    EvalAction.Result eval =
        config.isSet(ConfigKeys.EVAL_REFERENCES) || config.isSet(ConfigKeys.EVAL_JUDGMENTS)
            ? EvalAction.run(spark, config)
            : null;
    // ft-prep runs when feedback or datasets are configured (the demo: its feedback file)
    FtPrepAction.Result ftPrep =
        FtPrepAction.configured(config) ? FtPrepAction.run(spark, config) : null;
    // lora-train runs when a base model is configured (the demo: demo-chat on ft-prep's examples)
    LoraTrainAction.Result lora =
        LoraTrainAction.configured(config) ? LoraTrainAction.run(spark, config) : null;
    // the report runs last: it charts what the jobs above wrote and their runs
    ReportAction.Result report = ReportAction.run(spark, config);
    Summary.print(ingest);
    Summary.print(chunk);
    if (embed != null) {
      Summary.print(embed);
    } else {
      System.out.println("embed    skipped: neither embed.model nor embed.endpoint is set");
    }
    if (retrieve != null) {
      Summary.print(retrieve);
    } else {
      System.out.println("retrieve skipped: retrieve.queries is not set");
    }
    if (infer != null) {
      Summary.print(infer);
    } else {
      System.out.println("infer    skipped: infer.model is not set");
    }
    if (eval != null) {
      Summary.print(eval);
    } else {
      System.out.println("eval     skipped: neither eval.references nor eval.judgments is set");
    }
    if (ftPrep != null) {
      Summary.print(ftPrep);
    } else {
      System.out.println("ft-prep  skipped: neither ft-prep.feedback nor ft-prep.datasets is set");
    }
    if (lora != null) {
      Summary.print(lora);
    } else {
      System.out.println("lora-train skipped: lora-train.base-model is not set");
    }
    Summary.print(report);
    Summary.quarantine(spark, config);
    boolean gateFailed = eval != null && !eval.gateFailures().isEmpty();
    return gateFailed || report.alert() ? EvalJob.GATE_FAILED : 0;
  }

  String name() {
    return "pipeline";
  }
}
