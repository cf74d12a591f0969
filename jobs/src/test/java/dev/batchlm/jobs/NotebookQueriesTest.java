package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
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
      nb.queries().forEach(q -> assertThat(q.sql()).as(nb.name()).contains("{ROOT}/"));
    }
  }
}
