package dev.batchlm.pipeline.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.testing.HealthNight;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The view in Spark on a night written by hand ({@link HealthNight}), against hand values. */
class InferenceHealthTest {
  @TempDir Path tmp;

  @Test
  void countsRatesAndPercentilesPerRunRouteAndPromptVersion() {
    SparkSession spark = LocalSpark.session();
    HealthNight.write(spark, tmp.resolve("out"));
    List<Row> rows = InferenceHealth.of(spark, tmp.resolve("out").toString()).collectAsList();
    HealthNight.check(rows.stream().map(InferenceHealthTest::byName).toList());
  }

  @Test
  void docsTablesDescribesEveryColumn() throws Exception {
    List<String> documented = new java.util.ArrayList<>();
    boolean inSection = false;
    for (String line : java.nio.file.Files.readAllLines(Path.of("..", "docs", "tables.md"))) {
      if (line.startsWith("## ")) {
        inSection = line.equals("## inference_health");
      } else if (inSection && line.startsWith("| ") && !line.startsWith("| column")) {
        documented.add(line.split("\\|")[1].trim());
      }
    }
    StructType schema = InferenceHealth.of(LocalSpark.session(), tmp.toString()).schema();
    assertThat(documented).containsExactly(schema.fieldNames());
  }

  static Map<String, Object> byName(Row row) {
    Map<String, Object> out = new LinkedHashMap<>();
    Arrays.stream(row.schema().fieldNames()).forEach(c -> out.put(c, row.getAs(c)));
    return out;
  }

  @Test
  void anEmptyRootHasNoRows() {
    assertThat(InferenceHealth.of(LocalSpark.session(), tmp.resolve("none").toString()).count())
        .isZero();
  }
}
