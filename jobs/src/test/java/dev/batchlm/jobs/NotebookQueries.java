package dev.batchlm.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The SQL of the analysts' notebooks ({@code notebooks/*.ipynb}), run through DuckDB's JDBC driver
 * (the engine the notebooks use) against an output folder. A notebook's query cells read {@code
 * name = q("""SQL""")}, {@code {ROOT}} standing for the output folder; its other cells use the
 * results' columns by name ({@code df["col"]}, {@code groupby("col")}, {@code values="col"}). The
 * Python itself is not run here: the CI machine cannot install the Parquet packages it needs.
 */
final class NotebookQueries {
  private static final Pattern QUERY =
      Pattern.compile("(\\w+) = q\\(\"\"\"(.*?)\"\"\"\\)", Pattern.DOTALL);
  // health = q(view("inference_health")): the SQL of ../conf/views/inference_health.sql
  private static final Pattern VIEW_QUERY =
      Pattern.compile("(\\w+) = q\\(view\\(\"([\\w-]+)\"\\)\\)");
  // TABLES = {"runs": "runs/*/*/*.parquet", ...}: the tables the views read
  private static final Pattern TABLES = Pattern.compile("TABLES = \\{(.*?)\\}", Pattern.DOTALL);
  private static final Pattern TABLE = Pattern.compile("\"(\\w+)\": \"([^\"]+)\"");
  // df["col"], df[["a", "b"]], groupby("col"), pivot(index="a", columns="b", values="c")
  private static final Pattern COLUMN_USE =
      Pattern.compile(
          "\\[\"[^\"]+\"\\]|\\[\\[[^]]+\\]\\]|groupby\\(\"[^\"]+\"\\)"
              + "|\\b(?:index|columns|values)=\"[^\"]+\"");
  private static final Pattern STRING = Pattern.compile("\"([^\"]+)\"");

  private NotebookQueries() {}

  /** A query cell: the variable it assigns and its SQL with {@code {ROOT}} in it. */
  record Query(String variable, String sql) {}

  /**
   * What a notebook's code asks of the database: its queries, the columns it uses, and the tables
   * it makes views of (name to files under ROOT) for the SQL of {@code conf/views}.
   */
  record Notebook(
      String name, List<Query> queries, Set<String> usedColumns, Map<String, String> tables) {
    Notebook(String name, List<Query> queries, Set<String> usedColumns) {
      this(name, queries, usedColumns, Map.of());
    }
  }

  /** A query's result on an output folder. */
  record Result(Query query, List<String> columns, List<List<String>> rows) {}

  static Notebook parse(Path ipynb) throws IOException {
    JsonNode nb = new ObjectMapper().readTree(ipynb.toFile());
    List<Query> queries = new ArrayList<>();
    Set<String> used = new LinkedHashSet<>();
    Map<String, String> tables = new LinkedHashMap<>();
    for (JsonNode cell : nb.path("cells")) {
      if (!"code".equals(cell.path("cell_type").asText())) {
        continue;
      }
      StringBuilder source = new StringBuilder();
      cell.path("source").forEach(line -> source.append(line.asText()));
      String code = source.toString();
      Matcher m = QUERY.matcher(code);
      while (m.find()) {
        queries.add(new Query(m.group(1), m.group(2).strip()));
      }
      Matcher v = VIEW_QUERY.matcher(code);
      while (v.find()) {
        Path sql =
            ipynb.toAbsolutePath().getParent().resolve("../conf/views/" + v.group(2) + ".sql");
        queries.add(new Query(v.group(1), Files.readString(sql).strip()));
      }
      Matcher t = TABLES.matcher(code);
      if (t.find()) {
        Matcher entry = TABLE.matcher(t.group(1));
        while (entry.find()) {
          tables.put(entry.group(1), entry.group(2));
        }
      }
      String python = QUERY.matcher(code).replaceAll(""); // column uses outside the SQL
      Matcher u = COLUMN_USE.matcher(python);
      while (u.find()) {
        Matcher names = STRING.matcher(u.group());
        while (names.find()) {
          used.add(names.group(1));
        }
      }
    }
    return new Notebook(ipynb.getFileName().toString(), queries, used, tables);
  }

  /** The notebooks of a folder, by name. */
  static List<Notebook> all(Path folder) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      List<Notebook> out = new ArrayList<>();
      for (Path p : files.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList()) {
        out.add(parse(p));
      }
      return out;
    }
  }

  /** Runs every query of {@code nb} with {@code {ROOT}} set to {@code root}. */
  static List<Result> run(Notebook nb, Path root) throws SQLException {
    List<Result> out = new ArrayList<>();
    String at = root.toAbsolutePath().toString();
    try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
      for (Map.Entry<String, String> t : nb.tables().entrySet()) {
        try (Statement s = c.createStatement()) {
          s.execute(
              "CREATE VIEW "
                  + t.getKey()
                  + " AS SELECT * FROM read_parquet('"
                  + at
                  + "/"
                  + t.getValue()
                  + "', hive_partitioning = true)");
        }
      }
      for (Query q : nb.queries()) {
        String sql = q.sql().replace("{ROOT}", at);
        try (Statement s = c.createStatement();
            ResultSet r = s.executeQuery(sql)) {
          ResultSetMetaData meta = r.getMetaData();
          List<String> columns = new ArrayList<>();
          for (int i = 1; i <= meta.getColumnCount(); i++) {
            columns.add(meta.getColumnName(i));
          }
          List<List<String>> rows = new ArrayList<>();
          while (r.next()) {
            List<String> row = new ArrayList<>();
            for (int i = 1; i <= columns.size(); i++) {
              row.add(r.getString(i));
            }
            rows.add(row);
          }
          out.add(new Result(q, columns, rows));
        } catch (SQLException e) {
          throw new SQLException(nb.name() + ", query " + q.variable() + ": " + e.getMessage(), e);
        }
      }
    }
    return out;
  }

  /** The columns the notebook's code uses that none of its queries return. */
  static Set<String> missingColumns(Notebook nb, List<Result> results) {
    Set<String> missing = new LinkedHashSet<>(nb.usedColumns());
    results.forEach(r -> missing.removeAll(r.columns()));
    return missing;
  }

  /** The results as Markdown: each query's first {@code maxRows} rows. */
  static String markdown(Notebook nb, List<Result> results, int maxRows) {
    StringBuilder md = new StringBuilder("## ").append(nb.name()).append("\n\n");
    for (Result r : results) {
      md.append("`").append(r.query().variable()).append("`: ").append(r.rows().size());
      md.append(r.rows().size() == 1 ? " row" : " rows").append("\n\n");
      md.append("| ").append(String.join(" | ", r.columns())).append(" |\n|");
      md.append(" --- |".repeat(r.columns().size())).append('\n');
      for (List<String> row : r.rows().subList(0, Math.min(maxRows, r.rows().size()))) {
        md.append("| ");
        md.append(String.join(" | ", row.stream().map(NotebookQueries::cell).toList()));
        md.append(" |\n");
      }
      md.append('\n');
    }
    return md.toString();
  }

  private static String cell(String value) {
    if (value == null) {
      return "";
    }
    if (value.matches("-?\\d+\\.\\d{5,}(E-?\\d+)?")) {
      return String.format(Locale.ROOT, "%.4g", Double.parseDouble(value));
    }
    String v = value.replace("|", "\\|").replace("\n", " ");
    return v.length() > 40 ? v.substring(0, 39) + "…" : v;
  }
}
