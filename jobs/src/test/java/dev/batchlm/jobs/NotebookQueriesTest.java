package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.testing.HealthNight;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotebookQueriesTest {
  static final Path NOTEBOOKS =
      Path.of(System.getProperty("batchlm.repo.root", ".."), "notebooks").normalize();

  @Test
  void findsTheQueriesAndTheColumnsTheCodeUses(@TempDir Path tmp) throws Exception {
    Path nb = tmp.resolve("t.ipynb");
    Files.writeString(
        nb,
        """
        {"cells": [
          {"cell_type": "markdown", "source": ["x = q(\\"\\"\\"SELECT 1\\"\\"\\")"]},
          {"cell_type": "code", "source": [
            "sizes = q(\\"\\"\\"\\n",
            "SELECT name, n FROM read_parquet('{ROOT}/t/*.parquet')\\n",
            "\\"\\"\\")\\n",
            "sizes.groupby(\\"name\\")[[\\"n\\", \\"total\\"]].sum()"]},
          {"cell_type": "code", "source": [
            "plt.bar(sizes[\\"name\\"], sizes[\\"m\\"])\\n",
            "sizes.pivot(index=\\"name\\", columns=\\"kind\\", values=\\"n\\")"]}
        ]}
        """);
    Path root = tmp.resolve("out");
    Files.createDirectories(root.resolve("t"));
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:");
        Statement s = c.createStatement()) {
      s.execute(
          "COPY (SELECT * FROM (VALUES ('a', 1), ('b', 2)) v(name, n)) TO '"
              + root.resolve("t/p.parquet")
              + "' (FORMAT parquet)");
    }

    NotebookQueries.Notebook parsed = NotebookQueries.parse(nb);
    assertThat(parsed.queries())
        .extracting(NotebookQueries.Query::variable)
        .containsExactly("sizes");
    assertThat(parsed.usedColumns()).containsExactly("name", "n", "total", "m", "kind");

    List<NotebookQueries.Result> results = NotebookQueries.run(parsed, root);
    assertThat(results.get(0).columns()).containsExactly("name", "n");
    assertThat(results.get(0).rows()).containsExactly(List.of("a", "1"), List.of("b", "2"));
    assertThat(NotebookQueries.missingColumns(parsed, results))
        .containsExactly("total", "m", "kind");
    assertThat(NotebookQueries.markdown(parsed, results, 1))
        .contains("`sizes`: 2 rows")
        .contains("| name | n |")
        .contains("| a | 1 |")
        .doesNotContain("| b | 2 |");
  }

  /**
   * The spend notebook's health query is the {@code inference_health} view run in DuckDB over the
   * notebook's views of the tables: on a night written by hand it gives the hand-worked values, the
   * same ones the view gives in Spark ({@code InferenceHealthTest}).
   */
  @Test
  void theHealthViewGivesTheHandValuesInDuckDb(@TempDir Path tmp) throws Exception {
    HealthNight.write(LocalSpark.session(), tmp);
    NotebookQueries.Notebook nb =
        NotebookQueries.parse(NOTEBOOKS.resolve("03-spend-and-cache.ipynb"));
    assertThat(nb.tables()).containsOnlyKeys("inference_results", "llm_cache", "runs");
    NotebookQueries.Notebook healthOnly =
        new NotebookQueries.Notebook(
            nb.name(),
            nb.queries().stream().filter(q -> q.variable().equals("health")).toList(),
            Set.of(),
            nb.tables());
    NotebookQueries.Result health = NotebookQueries.run(healthOnly, tmp).get(0);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (List<String> row : health.rows()) {
      Map<String, Object> byName = new LinkedHashMap<>();
      for (int i = 0; i < row.size(); i++) {
        String v = row.get(i);
        byName.put(
            health.columns().get(i),
            v != null && v.matches("-?\\d+(\\.\\d+)?(E-?\\d+)?") ? Double.valueOf(v) : v);
      }
      rows.add(byName);
    }
    HealthNight.check(rows);
  }

  @Test
  void aFailingQueryNamesTheNotebookAndTheQuery(@TempDir Path tmp) throws Exception {
    NotebookQueries.Notebook nb =
        new NotebookQueries.Notebook(
            "t.ipynb",
            List.of(new NotebookQueries.Query("docs", "SELECT * FROM read_parquet('{ROOT}/no/*')")),
            Set.of());
    assertThatThrownBy(() -> NotebookQueries.run(nb, tmp))
        .hasMessageContaining("t.ipynb, query docs");
  }

  @Test
  void everyCommittedNotebookReadsTablesUnderRoot() throws Exception {
    List<NotebookQueries.Notebook> all = NotebookQueries.all(NOTEBOOKS);
    assertThat(all).hasSizeGreaterThanOrEqualTo(5);
    for (NotebookQueries.Notebook nb : all) {
      assertThat(nb.queries()).as(nb.name()).isNotEmpty();
      for (NotebookQueries.Query q : nb.queries()) {
        // directly, or through the notebook's views of the tables under ROOT
        assertThat(
                q.sql().contains("{ROOT}/")
                    || nb.tables().keySet().stream().anyMatch(q.sql()::contains))
            .as(nb.name() + ": " + q.variable())
            .isTrue();
      }
    }
  }
}
