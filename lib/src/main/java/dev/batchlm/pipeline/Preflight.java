package dev.batchlm.pipeline;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.ConfigKeys;
import dev.batchlm.pipeline.chunk.ChunkAction;
import dev.batchlm.pipeline.embed.EmbedAction;
import dev.batchlm.pipeline.eval.EvalAction;
import dev.batchlm.pipeline.ftprep.FtPrepAction;
import dev.batchlm.pipeline.infer.InferSettings;
import dev.batchlm.pipeline.ingest.IngestAction;
import dev.batchlm.pipeline.loratrain.LoraTrainAction;
import dev.batchlm.pipeline.retrieve.RetrieveAction;
import dev.batchlm.spark.HadoopConf;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A job's configuration checked on the driver before the SparkSession is created: every value the
 * job reads, and every path the driver can see (inputs, prompt folders, price tables, routes,
 * tokenizers, model folders). A mistake costs a second, not a session start or, on YARN and
 * Kubernetes, allocated containers; the message is the one the job itself would give.
 */
public final class Preflight {
  private Preflight() {}

  /** Checks what {@code job} (or every stage {@code pipeline} runs) reads. */
  public static void check(String job, BatchConfig config, Configuration hadoop) {
    config.checkAll(); // every value against its key's declared type and rule
    config.require(ConfigKeys.OUTPUT_ROOT, "pass --output ROOT");
    switch (job) {
      case "ingest" -> ingest(config, hadoop);
      case "chunk" -> chunk(config, hadoop);
      case "embed" -> embed(config, hadoop);
      case "retrieve" -> retrieve(config, hadoop);
      case "infer" -> infer(config, hadoop);
      case "eval" -> EvalAction.plan(config);
      case "ft-prep" -> ftPrep(config, hadoop);
      case "lora-train" -> LoraTrainAction.plan(config, new HadoopConf(hadoop));
      case "pipeline", "demo" -> {
        ingest(config, hadoop);
        chunk(config, hadoop);
        if (EmbedAction.configured(config)) {
          embed(config, hadoop);
        }
        if (config.isSet(ConfigKeys.RETRIEVE_QUERIES)) {
          retrieve(config, hadoop);
        }
        if (config.isSet(ConfigKeys.INFER_MODEL)) {
          infer(config, hadoop);
        }
        if (config.isSet(ConfigKeys.EVAL_REFERENCES) || config.isSet(ConfigKeys.EVAL_JUDGMENTS)) {
          EvalAction.plan(config);
        }
        if (FtPrepAction.configured(config)) {
          ftPrep(config, hadoop);
        }
        if (LoraTrainAction.configured(config)) {
          LoraTrainAction.plan(config, new HadoopConf(hadoop));
        }
      }
      default -> throw new IllegalArgumentException("Unknown job " + job);
    }
  }

  private static void ingest(BatchConfig config, Configuration hadoop) {
    String input =
        config.require(ConfigKeys.INGEST_INPUT, "pass --input PATH or --set ingest.input=PATH");
    config.get(ConfigKeys.INGEST_FORMAT);
    config.get(ConfigKeys.INGEST_MAX_FILE_BYTES);
    config.get(ConfigKeys.INGEST_MAX_CHARS);
    config.get(ConfigKeys.INGEST_MAX_UNDECODABLE_RATIO);
    config.get(ConfigKeys.INGEST_PARTITIONS);
    IngestAction.requireExists(hadoop, new Path(input));
  }

  private static void chunk(BatchConfig config, Configuration hadoop) {
    ChunkAction.checkedStrategy(ChunkAction.spec(config), new HadoopConf(hadoop));
  }

  private static void embed(BatchConfig config, Configuration hadoop) {
    // loaded as the job loads it (once per JVM: the job finds it in the executor cache)
    EmbedAction.Settings.from(config, config.get(ConfigKeys.EMBED_PASSAGE_PREFIX))
        .load(new HadoopConf(hadoop));
  }

  private static void retrieve(BatchConfig config, Configuration hadoop) {
    RetrieveAction.checkMethods(config);
    config.get(ConfigKeys.RETRIEVE_QUERY_FORMAT);
    config.get(ConfigKeys.RETRIEVE_TOP_K);
    JobRun.requireExists(
        hadoop,
        new Path(config.require(ConfigKeys.RETRIEVE_QUERIES, "point it at a table of queries")),
        "check retrieve.queries");
  }

  /** ft-prep's inputs: the feedback table, the chat datasets and the evaluation sets exist. */
  private static void ftPrep(BatchConfig config, Configuration hadoop) {
    String feedback = config.get(ConfigKeys.FTPREP_FEEDBACK);
    if (!feedback.isEmpty()) {
      JobRun.requireExists(hadoop, new Path(feedback), "check ft-prep.feedback");
    }
    for (String path : config.get(ConfigKeys.FTPREP_DATASETS)) {
      JobRun.requireExists(hadoop, new Path(path), "check ft-prep.datasets");
    }
    for (String path : config.get(ConfigKeys.FTPREP_EVAL_SETS)) {
      JobRun.requireExists(hadoop, new Path(path), "check ft-prep.eval-sets");
    }
    String base = config.get(ConfigKeys.FTPREP_BASE_MODEL);
    String packing = config.get(ConfigKeys.FTPREP_PACKING);
    if (base.isEmpty() && !packing.equals("none")) {
      throw new ConfigException(
          "ft-prep.packing = "
              + packing
              + " packs token ids and needs ft-prep.base-model: set it, or ft-prep.packing = none");
    }
    if (!base.isEmpty()) { // loaded as the executors load it: a model without a template fails here
      try {
        FtPrepAction.exampleTokenizer(
            base,
            config.get(ConfigKeys.FTPREP_TRAIN_ON).equals("last-turn"),
            new HadoopConf(hadoop));
      } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
        throw new ConfigException(
            "Cannot use ft-prep.base-model " + base + ": " + e.getMessage(), e);
      }
    }
  }

  private static void infer(BatchConfig config, Configuration hadoop) {
    InferSettings s = InferSettings.from(config, hadoop);
    if (!s.input().matches(".*[*?{\\[].*")) { // a glob is Spark's to expand
      JobRun.requireExists(hadoop, new Path(s.input()), "check infer.input");
    }
  }
}
