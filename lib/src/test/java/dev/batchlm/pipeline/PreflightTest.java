package dev.batchlm.pipeline;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config mistakes found on the driver without Spark, with the job's own one-line messages. */
class PreflightTest {
  @TempDir Path tmp;

  BatchConfig config(String... sets) throws Exception {
    Path in = Files.createDirectories(tmp.resolve("in"));
    Files.writeString(in.resolve("a.md"), "# A\ntext");
    Path requests = Files.writeString(tmp.resolve("r.jsonl"), "{\"request_id\": \"a\"}\n");
    List<String> all = new ArrayList<>();
    all.add("output.root=\"" + tmp.resolve("out") + "\"");
    all.add("ingest.input=\"" + in + "\"");
    all.add("infer.input=\"" + requests + "\"");
    all.addAll(List.of(sets));
    return BatchConfig.load(List.of(BatchConfig.parseSets(all)));
  }

  void check(String job, BatchConfig config) {
    Preflight.check(job, config, new Configuration());
  }

  @Test
  void aGoodConfigPasses() throws Exception {
    assertThatCode(() -> check("pipeline", config())).doesNotThrowAnyException();
    assertThatCode(
            () ->
                check(
                    "infer",
                    config(
                        "infer.prompt=classify",
                        "infer.model=gpt-4o-mini",
                        "infer.base-url=\"http://127.0.0.1:9/v1\"")))
        .doesNotThrowAnyException();
  }

  @Test
  void eachMistakeIsOneLineNamingTheKeyOrPath() throws Exception {
    assertThatThrownBy(() -> check("chunk", config("run.date=2026-13-01")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("Invalid run.date: 2026-13-01 (must be YYYY-MM-DD)");
    assertThatThrownBy(() -> check("chunk", config("chunk.strategy=paragraphs")))
        .hasMessageStartingWith("Invalid chunk.strategy: paragraphs (must be one of recursive");
    assertThatThrownBy(() -> check("chunk", config("chunk.overlap=50000")))
        .hasMessageContaining("Invalid chunk.overlap: 50000");
    assertThatThrownBy(() -> check("ingest", config("ingest.input=\"/no/such/corpus\"")))
        .hasMessageStartingWith("Input path not found: /no/such/corpus");
    assertThatThrownBy(
            () ->
                check(
                    "infer",
                    config(
                        "infer.prompt=nope",
                        "infer.model=gpt-4o-mini",
                        "infer.base-url=\"http://127.0.0.1:9/v1\"")))
        .hasMessageContaining("Prompt folder bundled:prompts/nope is not bundled");
    assertThatThrownBy(
            () ->
                check(
                    "infer",
                    config(
                        "infer.prompt=classify",
                        "infer.provider=local",
                        "infer.model=\"" + tmp.resolve("no-model") + "\"")))
        .hasMessageStartingWith("infer.model: Cannot hash the weights in");
    assertThatThrownBy(() -> check("retrieve", config("retrieve.queries=\"/no/q.jsonl\"")))
        .hasMessage("/no/q.jsonl does not exist: check retrieve.queries");
    assertThatThrownBy(
            () ->
                check(
                    "eval", config("eval.references=\"/r.jsonl\"", "eval.gate=[\"bleurt>=0.5\"]")))
        .hasMessageStartingWith("eval.gate:");
    assertThatThrownBy(
            () -> check("pipeline", config("embed.model=\"" + tmp.resolve("no-encoder") + "\"")))
        .hasMessageStartingWith("Cannot use embed.model")
        .hasMessageContaining("config.json is missing");
    assertThatThrownBy(
            () ->
                check(
                    "pipeline", config("lora-train.base-model=\"" + tmp.resolve("no-base") + "\"")))
        .hasMessageStartingWith("Cannot use lora-train.base-model " + tmp.resolve("no-base"));
    assertThatThrownBy(() -> check("ft-prep", config("ft-prep.packing=best-fit")))
        .hasMessage(
            "ft-prep.packing = best-fit packs token ids and needs ft-prep.base-model: set it, or"
                + " ft-prep.packing = none");
  }
}
