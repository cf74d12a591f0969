package dev.batchlm.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.doc.IngestOutcome;
import dev.batchlm.doc.IngestOutcome.Change;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestActionTest {
  /** A table's rows by their columns: a document, a broken line, and an id given twice. */
  @Test
  void tableRowsBecomeDocumentsOrQuarantineWithTheReason(@TempDir Path tmp) throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Files.write(
        in.resolve("docs.jsonl"),
        List.of(
            "{\"id\": \"a\", \"text\": \"Hello there.\", \"title\": \"Greeting\"}",
            "{\"id\": \"b\", \"text\": ",
            "{\"id\": \"c\", \"text\": \"one\"}",
            "{\"id\": \"c\", \"text\": \"two\"}"));
    BatchConfig config =
        BatchConfig.load(
            List.of(
                BatchConfig.parsePairs(
                    "test",
                    Map.of(
                        "output.root",
                        "\"" + tmp.resolve("out") + "\"",
                        "ingest.title-column",
                        "title"))));
    SparkSession spark = LocalSpark.session();
    var hashes =
        new JavaSparkContext(spark.sparkContext())
            .broadcast(new IngestAction.KnownHashes(Map.of(), Map.of()));

    List<IngestOutcome> outcomes =
        IngestAction.fromTable(
                new JobRun(spark, "ingest", config),
                in.toString(),
                "jsonl",
                new IngestAction.Settings(1 << 20, 100_000, 0.1),
                hashes)
            .collect();

    Map<Change, List<IngestOutcome>> byChange =
        outcomes.stream().collect(Collectors.groupingBy(IngestOutcome::change));
    assertThat(byChange.get(Change.NEW))
        .singleElement()
        .satisfies(
            d -> {
              assertThat(d.docId()).isEqualTo("a");
              assertThat(d.title()).isEqualTo("Greeting");
              assertThat(d.text()).isEqualTo("Hello there.");
              assertThat(d.sourceUri()).endsWith("docs.jsonl#id=a");
            });
    assertThat(byChange.get(Change.QUARANTINED))
        .extracting(IngestOutcome::errorClass, o -> o.message().replaceAll(":.*", ""))
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("corrupt", "malformed JSON line"),
            org.assertj.core.groups.Tuple.tuple("duplicate_id", "id 'c' appears 2 times"),
            org.assertj.core.groups.Tuple.tuple("duplicate_id", "id 'c' appears 2 times"));
  }
}
