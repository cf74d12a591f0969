package dev.batchlm.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whether a date's earlier run can be kept: the committed manifest against inputs and config. */
class PriorRunTest {
  static final LocalDate DATE = LocalDate.of(2026, 12, 1);
  static final TableSpec CHUNKS = new TableSpec("chunks", new StructType(), List.of("run_date"));
  static final TableSpec SUMMARY =
      new TableSpec("summary", new StructType(), List.of("run_date", "run_id"));
  static final Configuration HADOOP = new Configuration();

  /** A job's result, as the jobs' Result records look: a date, a NaN, a list, the kept flag. */
  record Outcome(String runId, LocalDate runDate, double delta, List<String> notes, boolean kept) {}

  @TempDir Path tmp;
  Path input;
  Map<String, Object> config;

  @BeforeEach
  void setUp() throws Exception {
    input = Files.createDirectories(tmp.resolve("docs"));
    Files.writeString(input.resolve("a.md"), "alpha");
    config = new LinkedHashMap<>(Map.of("chunk.size", 1000, "output.root", tmp.toString()));
  }

  /** What JobRun.commit writes: the manifest of run {@code runId} into each of its outputs. */
  void commit(String runId, boolean complete, String... outputs) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("job", "chunk");
    m.put("run_id", runId);
    m.put("build", RunManifest.build());
    m.put("config", config);
    m.put("fingerprints", Map.of(input.toString(), InputFingerprint.of(input.toString(), HADOOP)));
    m.put("outputs", List.of(outputs));
    m.put("complete", complete);
    m.put("result", new Outcome(runId, DATE, Double.NaN, List.of("x"), false));
    for (String o : outputs) {
      Path dir = Files.createDirectories(tmp.resolve(o));
      Files.writeString(dir.resolve(RunManifest.FILE), RunCommit.toJson(m));
    }
  }

  Optional<String> staleBecause(TableSpec table, Map<String, Object> now) {
    return PriorRun.find(tmp.toString(), table, DATE, HADOOP)
        .orElseThrow()
        .staleBecause("chunk", now, HADOOP);
  }

  @Test
  void aRunWithTheSameInputsConfigAndBuildIsKeptWithItsResult() throws Exception {
    commit("r1", true, "chunks/run_date=2026-12-01", "quarantine/run_date=2026-12-01/stage=chunk");
    // 1000 read back from JSON equals the config's Integer; run.force, run.date and the keys of
    // jobs that chunk does not read are not part of its identity
    Map<String, Object> now = new LinkedHashMap<>(config);
    now.put("run.force", "true");
    now.put("infer.model", "gpt-4o-mini");
    // run.date names the partition: a pipeline sets it for its stages, a lone job may not
    now.put("run.date", "2026-12-01");
    assertThat(staleBecause(CHUNKS, now)).isEmpty();

    Outcome kept =
        PriorRun.find(tmp.toString(), CHUNKS, DATE, HADOOP).orElseThrow().result(Outcome.class);
    assertThat(kept).isEqualTo(new Outcome("r1", DATE, Double.NaN, List.of("x"), true));
  }

  @Test
  void noEarlierRunOfTheDateIsNothingToKeep() {
    assertThat(PriorRun.find(tmp.toString(), CHUNKS, DATE, HADOOP)).isEmpty();
  }

  @Test
  void aChangedAddedOrRemovedInputFileMakesItStale() throws Exception {
    commit("r1", true, "chunks/run_date=2026-12-01");
    Path a = input.resolve("a.md");
    a.toFile().setLastModified(a.toFile().lastModified() - 60_000); // same length, older
    assertThat(staleBecause(CHUNKS, config)).contains(input + " changed");

    commit("r2", true, "chunks/run_date=2026-12-01");
    Files.writeString(input.resolve("b.md"), "beta");
    assertThat(staleBecause(CHUNKS, config)).contains(input + " changed");

    commit("r3", true, "chunks/run_date=2026-12-01");
    Files.delete(a);
    assertThat(staleBecause(CHUNKS, config)).contains(input + " changed");
  }

  @Test
  void otherConfigUnfinishedWorkOrAReplacedOutputMakeItStale() throws Exception {
    commit("r1", true, "chunks/run_date=2026-12-01");
    Map<String, Object> other = new LinkedHashMap<>(config);
    other.put("chunk.size", 500);
    assertThat(staleBecause(CHUNKS, other)).contains("the config changed: chunk.size");
    assertThat(
            PriorRun.find(tmp.toString(), CHUNKS, DATE, HADOOP)
                .orElseThrow()
                .staleBecause("embed", config, HADOOP))
        .isPresent();

    commit("r2", false, "chunks/run_date=2026-12-01");
    assertThat(staleBecause(CHUNKS, config)).get().asString().contains("work undone");

    commit("r3", true, "chunks/run_date=2026-12-01", "quarantine/run_date=2026-12-01/stage=chunk");
    Files.writeString(
        tmp.resolve("quarantine/run_date=2026-12-01/stage=chunk/" + RunManifest.FILE),
        "{\"run_id\": \"r4\"}");
    assertThat(staleBecause(CHUNKS, config)).get().asString().contains("was replaced or removed");
  }

  @Test
  void inATablePartitionedByRunIdTheNewestRunIsTheOneCompared() throws Exception {
    commit("20261201T080000Z-chunk-aaaa", true, "summary/run_date=2026-12-01/run_id=A");
    commit("20261201T090000Z-chunk-bbbb", true, "summary/run_date=2026-12-01/run_id=B");
    Files.createDirectories(tmp.resolve("summary/run_date=2026-12-01/run_id=C")); // uncommitted
    assertThat(PriorRun.find(tmp.toString(), SUMMARY, DATE, HADOOP).orElseThrow().runId())
        .isEqualTo("20261201T090000Z-chunk-bbbb");
  }

  @Test
  void fingerprintsNameFilesByPathLengthAndTimeAndGlobsByWhatTheyMatch() throws Exception {
    String before = InputFingerprint.of(input.toString(), HADOOP);
    assertThat(before).startsWith("1 files, sha256:");
    assertThat(InputFingerprint.of(input.resolve("*.md").toString(), HADOOP)).startsWith("1 files");
    assertThat(InputFingerprint.of(tmp.resolve("nope").toString(), HADOOP)).isEqualTo("missing");
    assertThat(InputFingerprint.of("bundled:prompts/answer", HADOOP))
        .isEqualTo(InputFingerprint.of("https://api.example.com/v1", HADOOP))
        .isEqualTo(InputFingerprint.NAMED);
    Files.writeString(input.resolve("a.md"), "alpha, longer");
    assertThat(InputFingerprint.of(input.toString(), HADOOP)).isNotEqualTo(before);
  }
}
