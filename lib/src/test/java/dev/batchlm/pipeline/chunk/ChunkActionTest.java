package dev.batchlm.pipeline.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.chunk.ChunkSpec;
import dev.batchlm.config.BatchConfig;
import dev.batchlm.pipeline.JobRun;
import dev.batchlm.spark.HadoopConf;
import dev.batchlm.table.Chunks;
import dev.batchlm.table.Documents;
import dev.batchlm.table.Quarantine;
import dev.batchlm.testing.LocalSpark;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class ChunkActionTest {
  private static Row document(String id, String text) {
    return RowFactory.create(
        "run-0",
        id,
        "file:/docs/" + id + ".txt",
        "sha-" + id,
        "text/plain",
        null,
        text,
        text == null ? 0 : text.length(),
        new Timestamp(0),
        "new");
  }

  /** Documents to chunk rows that cover their text; one the chunker fails on is quarantined. */
  @Test
  void documentsBecomeChunksOrAQuarantineRow() {
    SparkSession spark = LocalSpark.session();
    BatchConfig config =
        BatchConfig.load(
            List.of(
                BatchConfig.parsePairs("test", Map.of("chunk.size", "40", "chunk.overlap", "0"))));
    ChunkSpec spec = ChunkAction.spec(config);
    HadoopConf conf = new HadoopConf(new Configuration());
    String text =
        "The first paragraph talks about apples.\n\nThe second one is about pears and plums.";
    // a document without text (a table written by another tool) is what makes the chunker fail
    StructType nullable = new StructType();
    for (StructField f : Documents.SCHEMA.fields()) {
      nullable = nullable.add(f.name(), f.dataType(), true);
    }
    var documents =
        spark.createDataFrame(List.of(document("a", text), document("b", null)), nullable);

    List<JobRun.Output> out =
        ChunkAction.chunk(
                documents,
                new ChunkAction.ChunkDocument(
                    spec, conf, ChunkAction.checkedStrategy(spec, conf), "run-1", new Timestamp(1)))
            .collect();

    List<Row> chunks = out.stream().map(JobRun.Output::row).filter(r -> r != null).toList();
    assertThat(chunks).hasSizeGreaterThan(1);
    assertThat(chunks)
        .allSatisfy(c -> assertThat(value(c, Chunks.SCHEMA, Chunks.DOC_ID)).isEqualTo("a"));
    assertThat(chunks.stream().map(c -> value(c, Chunks.SCHEMA, Chunks.TEXT)).toList())
        .allSatisfy(t -> assertThat(text).contains(t.strip()));
    assertThat(out.stream().map(JobRun.Output::quarantined).filter(q -> q != null).toList())
        .singleElement()
        .satisfies(
            q -> {
              assertThat(value(q, Quarantine.SCHEMA, Quarantine.SOURCE))
                  .isEqualTo("file:/docs/b.txt#doc_id=b");
              assertThat(value(q, Quarantine.SCHEMA, Quarantine.MESSAGE))
                  .startsWith("chunker failed: ");
            });
  }

  /** Executor rows carry no schema: read them by the table's. */
  private static String value(Row row, StructType table, String column) {
    return row.getString(table.fieldIndex(column));
  }
}
