package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/batchlm as a user runs it: a separate JVM through Spark's SparkSubmit and the shaded jar. */
class LauncherIT {
  static final Path REPO =
      Path.of(System.getProperty("batchlm.repo.root")).toAbsolutePath().normalize();

  record Run(int exitCode, String out, String err) {}

  static Run launch(Path dir, String... args) throws IOException, InterruptedException {
    return launch(dir, null, args);
  }

  static Run launch(Path dir, Path sparkHome, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(REPO.resolve("bin/batchlm").toString()));
    cmd.addAll(List.of(args));
    // from the test's own folder, as a scheduler or a cluster's driver runs it: not the repository
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    if (sparkHome == null) {
      pb.environment().remove("SPARK_HOME"); // the local path: SparkSubmit from the Maven classpath
    } else {
      pb.environment().put("SPARK_HOME", sparkHome.toString());
    }
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertThat(p.waitFor(8, TimeUnit.MINUTES)).isTrue();
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void demoRunsThePipelineOnTheSamplesAndPrintsASummary(@TempDir Path tmp) throws Exception {
    Run run = launch(tmp, "demo", "--output", tmp.resolve("demo").toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("ingest   ")
        .contains("33 documents (33 new")
        .contains("4 quarantined")
        .contains("chunk    ")
        .contains("strategy markdown(size=800")
        .contains("quarantine: 4 inputs")
        .contains("encrypted-board-pack.pdf");
    assertThat(run.err()).contains("[ingest] extract").contains("[chunk] chunk");
    assertThat(tmp.resolve("demo/chunks")).isDirectory();
    // the infer stage: RAG answers from the tiny local model, paid by device time
    assertThat(run.out())
        .contains("infer    ")
        .contains("45 requests: 45 answered (0 from the cache, 45 calls), 0 invalid, 0 errors");
    assertThat(run.out()).doesNotContain("cost 0.0000 USD");
    // the eval stage: the demo's answers and retrievals against samples/questions.jsonl
    assertThat(run.out())
        .contains("eval     ")
        .contains("retrieval bm25 (n=45): MAP")
        .contains("recall@10 1.000")
        .contains("answer_expected=45, answer_reference_without_answer=0")
        .containsPattern("report .*eval_report/run_date=.*\\.html");

    // the ft-prep stage: samples/feedback.jsonl's approved and corrected answers, filtered,
    // deduplicated, decontaminated against samples/heldout.jsonl, tokenized and packed
    assertThat(run.out())
        .contains("ft-prep  ")
        .contains("contaminated=1")
        .containsPattern("near_duplicates=\\d+, decontaminate=")
        .containsPattern("personal data masked \\{card=\\d+, email=\\d+")
        .containsPattern("packed \\(best-fit\\) into \\d+ sequences of up to 4096 tokens");
    // the lora-train stage: an adapter for demo-chat on those examples, base against adapter
    assertThat(run.out())
        .contains("lora-train 20")
        .contains("adapter demo, 24 steps over 3 train sequences")
        .containsPattern(
            "train loss \\d+\\.\\d+ -> \\d+\\.\\d+; validation loss \\d+\\.\\d+ \\(base\\)")
        .containsPattern("-> .*demo/adapters/demo/\\S+-lora-train-");

    // the monitoring report last: one night charted, its page beside the tables
    assertThat(run.out()).containsPattern("report   \\S+: \\d+ charts over 1 night with data");
    try (var pages = Files.list(tmp.resolve("demo/monitoring_report"))) {
      assertThat(pages.map(p -> p.getFileName().toString()).toList())
          .singleElement()
          .matches(name -> name.matches("\\d{4}-\\d{2}-\\d{2}\\.html"));
    }

    // names are portable: the demo model by folder and weights hash, never this machine's path
    assertThat(run.out()).containsPattern("demo-chat@[0-9a-f]{12}").doesNotContain(REPO.toString());

    notebookQueriesRunOn(tmp.resolve("demo"));

    // a second run has nothing to do and says so: every job keeps the first run's partitions
    Run again = launch(tmp, "demo", "--output", tmp.resolve("demo").toString());
    assertThat(again.exitCode()).as(again.err()).isZero();
    for (String job :
        List.of(
            "ingest  ",
            "chunk   ",
            "embed   ",
            "retrieve",
            "infer   ",
            "eval    ",
            "ft-prep ",
            "lora-train")) {
      assertThat(again.out()).containsPattern(job + " \\S+: up to date, nothing ran");
    }
    assertThat(again.err()).doesNotContain("[infer] call").doesNotContain("[ingest] extract");
  }

  /**
   * Every query of the analysts' notebooks runs through DuckDB on the fresh demo output and returns
   * the columns the notebook's code uses, and rows (but for regressions: the demo has no baseline
   * run). The results go to jobs/target/notebooks-on-the-demo.md (notebooks/README.md shows them).
   */
  private static void notebookQueriesRunOn(Path demo) throws Exception {
    StringBuilder md = new StringBuilder();
    for (NotebookQueries.Notebook nb : NotebookQueries.all(REPO.resolve("notebooks"))) {
      List<NotebookQueries.Result> results = NotebookQueries.run(nb, demo);
      assertThat(NotebookQueries.missingColumns(nb, results)).as(nb.name()).isEmpty();
      results.stream()
          .filter(r -> !r.query().variable().equals("regressions"))
          .forEach(
              r -> assertThat(r.rows()).as(nb.name() + " " + r.query().variable()).isNotEmpty());
      md.append(NotebookQueries.markdown(nb, results, 8));
    }
    Files.writeString(REPO.resolve("jobs/target/notebooks-on-the-demo.md"), md);
  }

  @Test
  void withSparkHomeItCallsSparkSubmitWithSparkOptionsBeforeTheJar(@TempDir Path tmp)
      throws Exception {
    // A stand-in spark-submit that records its arguments, one per line.
    Path bin = Files.createDirectories(tmp.resolve("spark/bin"));
    Path submit = bin.resolve("spark-submit");
    Files.writeString(
        submit, "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done > \"$(dirname \"$0\")/args\"\n");
    submit.toFile().setExecutable(true);
    Run run =
        launch(
            tmp,
            tmp.resolve("spark"),
            "chunk",
            "--master",
            "yarn",
            "--conf",
            "spark.executor.memory=2g",
            "--set",
            "chunk.size=5",
            "--conf",
            "conf/local.conf");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(Files.readAllLines(bin.resolve("args")))
        .containsExactly(
            "--class",
            "dev.batchlm.jobs.BatchLm",
            "--master",
            "yarn",
            "--conf",
            "spark.executor.memory=2g",
            REPO.resolve("jobs/target/batchlm-jobs.jar").toString(),
            "chunk",
            "--set",
            "chunk.size=5",
            "--conf",
            "conf/local.conf");
  }

  @Test
  void helpListsJobsAndEachJobsKeys(@TempDir Path tmp) throws Exception {
    Run top = launch(tmp, "--help");
    assertThat(top.exitCode()).isZero();
    assertThat(top.out())
        .contains("ingest")
        .contains("chunk")
        .contains("demo")
        .contains("pipeline");
    Run chunk = launch(tmp, "chunk", "--help");
    assertThat(chunk.out())
        .contains("chunk.strategy")
        .contains("chunk.strategy = \"recursive\"")
        .contains("--set");
  }

  @Test
  void aBadKeyFailsAtOnceWithOneLine(@TempDir Path tmp) throws Exception {
    Run run =
        launch(tmp, "ingest", "--conf", "spark.batchlm.ingest.nope=1", "--input", "samples/corpus");
    assertThat(run.exitCode()).isEqualTo(BatchLm.CONFIG_ERROR);
    assertThat(run.err().lines().filter(l -> l.startsWith("batchlm: ")).toList())
        .containsExactly(
            "batchlm: Unknown config key 'ingest.nope' in spark-submit --conf spark.batchlm.*."
                + " `bin/batchlm JOB --help` lists the keys.");
  }
}
