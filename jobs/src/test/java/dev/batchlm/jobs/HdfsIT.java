package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Input read from and output written to hdfs:// on an in-process MiniDFSCluster. */
class HdfsIT {
  static MiniDFSCluster hdfs;
  static SparkSession spark;

  @BeforeAll
  static void start() throws Exception {
    Configuration conf = new Configuration();
    conf.set(
        MiniDFSCluster.HDFS_MINIDFS_BASEDIR,
        Path.of("target", "minidfs").toAbsolutePath().toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
    spark = LocalSpark.session();
  }

  @AfterAll
  static void stop() {
    hdfs.shutdown();
  }

  @Test
  void ingestsFromAndWritesToHdfs() throws Exception {
    FileSystem fs = hdfs.getFileSystem();
    String base = fs.getUri().toString();
    fs.copyFromLocalFile(
        new org.apache.hadoop.fs.Path(
            PipelineIT.CORPUS.resolve("handbook").toAbsolutePath().toUri()),
        new org.apache.hadoop.fs.Path(base + "/in/handbook"));
    fs.copyFromLocalFile(
        new org.apache.hadoop.fs.Path(
            PipelineIT.CORPUS.resolve("reports").toAbsolutePath().toUri()),
        new org.apache.hadoop.fs.Path(base + "/in/reports"));
    // The embedding model and the config file come from HDFS too.
    fs.copyFromLocalFile(
        new org.apache.hadoop.fs.Path(
            Path.of("..", "samples", "models", "demo-encoder").toAbsolutePath().toUri()),
        new org.apache.hadoop.fs.Path(base + "/models/demo-encoder"));
    try (var out = fs.create(new org.apache.hadoop.fs.Path(base + "/conf/nightly.conf"))) {
      out.write(
          "chunk { strategy = sentence, size = 300, overlap = 0 }\n"
              .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Cli cli =
        Cli.run(
            "pipeline",
            "--conf",
            base + "/conf/nightly.conf",
            "--input",
            base + "/in",
            "--output",
            base + "/out",
            "--run-date",
            "2026-03-01",
            "--set",
            "embed.model=\"" + base + "/models/demo-encoder\"");
    assertThat(cli.exitCode).as(cli.err).isZero();
    assertThat(
            fs.exists(
                new org.apache.hadoop.fs.Path(
                    base + "/out/documents/run_date=2026-03-01/_run.json")))
        .isTrue();
    assertThat(
            fs.exists(
                new org.apache.hadoop.fs.Path(base + "/out/chunks/run_date=2026-03-01/_run.json")))
        .isTrue();
    assertThat(fs.exists(new org.apache.hadoop.fs.Path(base + "/out/documents/_staging")))
        .isFalse();
    assertThat(spark.read().parquet(base + "/out/documents/run_date=2026-03-01").count())
        .isEqualTo(10);
    var chunks = spark.read().parquet(base + "/out/chunks/run_date=2026-03-01");
    assertThat(chunks.count()).isGreaterThan(10);
    assertThat(chunks.select("strategy").distinct().first().getString(0))
        .startsWith("sentence(size=300");
    assertThat(
            spark.read().parquet(base + "/out/documents").select("source_uri").first().getString(0))
        .startsWith("hdfs://");
  }

  @Test
  void aLocalCheckpointAndItsPromptComeFromHdfs() throws Exception {
    FileSystem fs = hdfs.getFileSystem();
    String base = fs.getUri().toString();
    fs.copyFromLocalFile(
        new org.apache.hadoop.fs.Path(
            Path.of("..", "samples", "models", "demo-chat").toAbsolutePath().toUri()),
        new org.apache.hadoop.fs.Path(base + "/models/demo-chat"));
    write(fs, base + "/prompts/echo/user.txt", "Repeat: {{text}}");
    write(fs, base + "/prompts/echo/prompt.conf", "params { max_tokens = 4 }");
    write(
        fs,
        base + "/requests/r.jsonl",
        "{\"request_id\": \"a\", \"text\": \"harbour office\"}\n"
            + "{\"request_id\": \"b\", \"text\": \"badge\"}\n");
    Cli cli =
        Cli.run(
            "infer",
            "--input",
            base + "/requests/r.jsonl",
            "--output",
            base + "/out-infer",
            "--set",
            "infer.prompt=\"" + base + "/prompts/echo\"",
            "--set",
            "infer.provider=local",
            "--set",
            "infer.model=\"" + base + "/models/demo-chat\"",
            "--set",
            "infer.unpriced=true");
    assertThat(cli.exitCode).as(cli.err).isZero();
    var rows = spark.read().parquet(base + "/out-infer/inference_results").collectAsList();
    assertThat(rows).hasSize(2);
    // the name a local disk gives the same checkpoint: folder and the SHA-256 of its weights
    byte[] weights =
        Files.readAllBytes(Path.of("..", "samples", "models", "demo-chat", "model.safetensors"));
    String portable =
        "demo-chat@"
            + java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(weights))
                .substring(0, 12);
    assertThat(rows)
        .allSatisfy(
            r -> {
              assertThat(r.<String>getAs("error")).isNull();
              assertThat(r.<String>getAs("provider")).isEqualTo("local");
              assertThat(r.<String>getAs("model")).isEqualTo(portable);
              assertThat(r.<Long>getAs("output_tokens")).isBetween(1L, 4L);
            });
  }

  private static void write(FileSystem fs, String path, String text) throws Exception {
    try (var out = fs.create(new org.apache.hadoop.fs.Path(path))) {
      out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
  }
}
