package dev.batchlm.pipeline.ftprep;

import static org.apache.spark.sql.functions.col;

import dev.batchlm.finetune.ChatFormats;
import dev.batchlm.table.FinetuneExamples;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The examples as trainers outside Spark read them (OpenAI fine-tuning, LLaMA-Factory, axolotl):
 * per split, an OpenAI chat JSONL file and a ShareGPT JSONL file in the partition's hidden {@code
 * _export/} folder, so that they are committed and replaced with the table. Lines are in example id
 * order: a rerun writes the same files.
 */
final class Exports {
  private Exports() {}

  /** The files written under {@code partition/_export}, by name. */
  static List<String> write(SparkSession spark, Path partition) {
    Dataset<Row> examples =
        spark.read().schema(FinetuneExamples.SCHEMA).parquet(partition.toString());
    List<String> names = new ArrayList<>();
    for (String split : List.of("train", "validation")) {
      Dataset<String> messages =
          examples
              .filter(col(FinetuneExamples.SPLIT).equalTo(split))
              .orderBy(FinetuneExamples.EXAMPLE_ID)
              .select(FinetuneExamples.MESSAGES)
              .as(Encoders.STRING());
      MapFunction<String, String> openAi = m -> ChatFormats.openAi(ChatFormats.fromArray(m));
      MapFunction<String, String> shareGpt =
          m -> ChatFormats.shareGpt(ChatFormats.fromArray(m)).toString();
      names.add(
          single(messages.map(openAi, Encoders.STRING()), partition, split + ".openai.jsonl"));
      names.add(
          single(messages.map(shareGpt, Encoders.STRING()), partition, split + ".sharegpt.jsonl"));
    }
    return names;
  }

  /** The lines as one file: written by one task, then renamed from Spark's part file. */
  private static String single(Dataset<String> lines, Path partition, String name) {
    Path dir = new Path(partition, "_export");
    Path parts = new Path(dir, "_" + name);
    lines.coalesce(1).write().mode("overwrite").text(parts.toString());
    try {
      FileSystem fs =
          parts.getFileSystem(lines.sparkSession().sparkContext().hadoopConfiguration());
      for (FileStatus f : fs.listStatus(parts)) {
        if (f.getPath().getName().startsWith("part-")) {
          fs.rename(f.getPath(), new Path(dir, name));
        }
      }
      if (!fs.exists(new Path(dir, name))) { // no rows: Spark wrote no part file
        fs.create(new Path(dir, name)).close();
      }
      fs.delete(parts, true);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write " + new Path(dir, name) + ": " + e.getMessage(), e);
    }
    return name;
  }
}
