package dev.batchlm.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;

/**
 * docs/tables.md is the analysts' contract: it must list exactly the columns the table classes
 * write.
 */
class TableDocsTest {
  static final List<TableSpec> TABLES =
      List.of(
          Documents.SPEC,
          Chunks.SPEC,
          Quarantine.SPEC,
          Embeddings.SPEC,
          Retrievals.SPEC,
          InferenceResults.SPEC,
          LlmCache.SPEC,
          CostLedger.SPEC,
          LlmBatches.SPEC,
          EvalScores.SPEC,
          EvalSummary.SPEC,
          FinetuneExamples.SPEC,
          FinetunePacked.SPEC,
          FinetuneReport.SPEC,
          LoraMetrics.SPEC,
          Runs.SPEC);

  /** Table name to its documented "column type" lines, in order. */
  static Map<String, List<String>> documented() throws Exception {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<String> current = null;
    for (String line : Files.readAllLines(Path.of("..", "docs", "tables.md"))) {
      if (line.equals("# Views")) {
        break; // views: InferenceHealthTest checks its section
      } else if (line.startsWith("## ")) {
        current = new ArrayList<>();
        out.put(line.substring(3).trim(), current);
      } else if (current != null && line.startsWith("| ") && !line.startsWith("| column")) {
        String[] cells = line.split("\\|");
        current.add(cells[1].trim() + " " + cells[2].trim());
      }
    }
    return out;
  }

  @Test
  void everyTableIsDocumentedColumnByColumn() throws Exception {
    Map<String, List<String>> docs = documented();
    for (TableSpec spec : TABLES) {
      List<String> expected = new ArrayList<>();
      for (StructField f : spec.schema().fields()) {
        expected.add(f.name() + " " + f.dataType().simpleString());
      }
      for (String p : spec.partitionColumns()) {
        expected.add(p + (p.equals(Tables.RUN_DATE) ? " date (partition)" : " string (partition)"));
      }
      assertThat(docs.get(spec.name()))
          .as("docs/tables.md section '%s'", spec.name())
          .isEqualTo(expected);
    }
    assertThat(docs.keySet())
        .containsExactlyElementsOf(TABLES.stream().map(TableSpec::name).toList());
  }
}
