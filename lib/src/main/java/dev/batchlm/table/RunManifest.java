package dev.batchlm.table;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The {@code _run.json} written into every output partition: what ran (job, version, git commit),
 * with what (config with secrets masked, inputs, seed, versions) and what came out (row counts,
 * timings). Jobs add what a rerun needs to keep the run ({@link PriorRun}): the inputs'
 * fingerprints, the partitions written, whether the work finished, and the job's result.
 */
public final class RunManifest {
  /** Its name in every partition a run commits. */
  public static final String FILE = "_run.json";

  /** Pretty, key-sorted JSON; dates as ISO strings. */
  public static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private static final Properties BUILD = loadBuild();

  private RunManifest() {}

  /**
   * The build's version, git commit and library versions, from {@code batchlm/build.properties}.
   */
  public static Map<String, String> build() {
    Map<String, String> out = new TreeMap<>();
    BUILD.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
    out.put("java", System.getProperty("java.version"));
    return out;
  }

  public static Map<String, Object> of(
      String job,
      String runId,
      LocalDate runDate,
      Map<String, Object> maskedConfig,
      List<String> inputs,
      Map<String, Long> rowCounts,
      Map<String, Object> counters,
      Instant started,
      Map<String, Long> stageMillis,
      long seed) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job", job);
    m.put("run_id", runId);
    m.put("run_date", runDate.toString());
    m.put("build", build());
    m.put("config", maskedConfig);
    m.put("inputs", inputs);
    m.put("row_counts", rowCounts);
    m.put("counters", counters);
    m.put("seed", seed);
    Instant now = Instant.now();
    m.put(
        "timings",
        Map.of(
            "started_at", started.toString(),
            "finished_at", now.toString(),
            "duration_ms", Duration.between(started, now).toMillis(),
            "stages_ms", stageMillis));
    return m;
  }

  /** {@code value} as the manifest's JSON would read back (5 and 5L alike), to compare. */
  public static JsonNode tree(Object value) {
    try {
      return JSON.readTree(JSON.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("not serializable as JSON: " + e.getMessage(), e);
    }
  }

  private static Properties loadBuild() {
    Properties p = new Properties();
    try (InputStream in = RunManifest.class.getResourceAsStream("/batchlm/build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
