package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.nn.TinyChatModel;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop through the command line: a chat dataset of a fixed mapping (questions to answers the
 * base model does not give) → ft-prep tokenizes it for a tiny chat checkpoint → lora-train → infer
 * with the adapter on the local provider answers the trained answers, the base model does not, the
 * two are different models in the results, and eval scores the difference paired by question.
 */
class LoraLoopIT {
  @TempDir Path tmp;

  @Test
  void anAdapterTrainedOnTheNightsExamplesGivesTheirAnswers() throws Exception {
    Path base = TinyChatModel.write(tmp.resolve("tiny-chat"), 21);
    Map<String, String> mapping = new HashMap<>();
    List<String> dataset = new ArrayList<>();
    List<String> requests = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      String question = "say w" + (10 + i);
      String answer = "the answer is w" + (30 + i) + " w" + (20 + (i * 3) % 8);
      mapping.put("q" + i, answer);
      dataset.add(
          "{\"messages\": [{\"role\": \"user\", \"content\": \""
              + question
              + "\"}, {\"role\": \"assistant\", \"content\": \""
              + answer
              + "\"}]}");
      requests.add("{\"request_id\": \"q" + i + "\", \"question\": \"" + question + "\"}");
    }
    Path data = Files.write(tmp.resolve("mapping.jsonl"), dataset);
    Path in = Files.write(tmp.resolve("questions.jsonl"), requests);
    Path prompt = Files.createDirectories(tmp.resolve("prompts/ask"));
    Files.writeString(prompt.resolve("user.txt"), "{{question}}");
    Files.writeString(prompt.resolve("prompt.conf"), "params { max_tokens = 6 }");
    Path root = tmp.resolve("out");
    String date = "2026-11-27";

    Cli prep =
        Cli.run(
            "ft-prep",
            "--output",
            root.toString(),
            "--run-date",
            date,
            "--set",
            "ft-prep.datasets=[\"" + data + "\"]",
            "--set",
            "ft-prep.base-model=\"" + base + "\"",
            "--set",
            "ft-prep.validation-fraction=0");
    assertThat(prep.exitCode).as(prep.err).isZero();

    Cli train =
        Cli.run(
            "lora-train",
            "--output",
            root.toString(),
            "--run-date",
            date,
            "--set",
            "lora-train.base-model=\"" + base + "\"",
            "--set",
            "lora-train.name=mapping",
            "--set",
            "lora-train.target-modules=[\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\","
                + " \"gate_proj\", \"up_proj\", \"down_proj\"]",
            "--set",
            "lora-train.learning-rate=0.02",
            "--set",
            "lora-train.dropout=0",
            "--set",
            "lora-train.batch-size=8",
            "--set",
            "lora-train.micro-batch=4",
            "--set",
            "lora-train.epochs=40");
    assertThat(train.exitCode).as(train.err).isZero();
    Path adapter;
    try (var runs = Files.list(root.resolve("adapters/mapping"))) {
      adapter = runs.findFirst().orElseThrow();
    }

    Cli tuned = infer(in, root.resolve("tuned"), prompt, base, adapter);
    assertThat(tuned.exitCode).as(tuned.err).isZero();
    Cli plain = infer(in, root.resolve("base"), prompt, base, null);
    assertThat(plain.exitCode).as(plain.err).isZero();

    List<Row> withAdapter = results(root.resolve("tuned"));
    List<Row> without = results(root.resolve("base"));
    assertThat(withAdapter).hasSize(8);
    long right = withAdapter.stream().filter(r -> trained(r, mapping)).count();
    long rightBefore = without.stream().filter(r -> trained(r, mapping)).count();
    System.err.printf(
        "loop: %d of 8 trained answers with the adapter, %d without%n", right, rightBefore);
    assertThat(right).isEqualTo(8);
    assertThat(rightBefore).isZero();
    String model = withAdapter.get(0).getAs(InferenceResults.MODEL);
    assertThat(model).startsWith("tiny-chat@").contains("+" + adapter.getFileName() + "@");
    assertThat(without.get(0).<String>getAs(InferenceResults.MODEL)).doesNotContain("+");
    assertThat(withAdapter.get(0).<String>getAs(InferenceResults.CACHE_KEY))
        .isNotEqualTo(
            without.stream()
                .filter(r -> r.getAs("request_id").equals(withAdapter.get(0).getAs("request_id")))
                .findFirst()
                .orElseThrow()
                .getAs(InferenceResults.CACHE_KEY));

    // eval scores the adapter's answers against the base model's, paired by question
    List<String> refs = new ArrayList<>();
    mapping.forEach(
        (id, answer) -> refs.add("{\"id\": \"" + id + "\", \"answer\": \"" + answer + "\"}"));
    Path references = Files.write(tmp.resolve("references.jsonl"), refs);
    Path evalRoot = tmp.resolve("eval");
    Cli before = eval(evalRoot, root.resolve("base"), references);
    assertThat(before.exitCode).as(before.err).isZero();
    String baseline = EvalIT.onlyRunId(evalRoot);
    Cli after =
        eval(evalRoot, root.resolve("tuned"), references, "--set", "eval.baseline=" + baseline);
    assertThat(after.exitCode).as(after.err).isZero();
    Row exact =
        LocalSpark.session()
            .read()
            .parquet(evalRoot.resolve("eval_summary").toString())
            .filter(
                "run_id = '"
                    + EvalIT.onlyRunId(evalRoot)
                    + "' and metric = 'exact_match' and slice = 'all'")
            .first();
    System.err.printf(
        "loop eval: exact match %.2f with the adapter, %.2f without, paired difference %.2f [%.2f, %.2f]%n",
        exact.<Double>getAs("mean"),
        exact.<Double>getAs("baseline_mean"),
        exact.<Double>getAs("delta"),
        exact.<Double>getAs("delta_low"),
        exact.<Double>getAs("delta_high"));
    assertThat(exact.<Long>getAs("paired")).isEqualTo(8);
    assertThat(exact.<Double>getAs("mean")).isEqualTo(1.0);
    assertThat(exact.<Double>getAs("baseline_mean")).isEqualTo(0.0);
    assertThat(exact.<Double>getAs("delta_low")).isPositive();
  }

  private static Cli eval(Path root, Path answers, Path references, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "eval",
                "--output",
                root.toString(),
                "--run-date",
                "2026-11-27",
                "--set",
                "eval.answers=\"" + answers.resolve("inference_results/run_date=2026-11-27") + "\"",
                "--set",
                "eval.references=\"" + references + "\"",
                "--set",
                "eval.metrics=[exact_match]",
                "--set", // the same system in both runs (pairing is per system): the prompt
                "eval.system-column=prompt_name"));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  private static boolean trained(Row r, Map<String, String> mapping) {
    String out = r.getAs(InferenceResults.OUTPUT_TEXT);
    return out != null && out.strip().equals(mapping.get(r.<String>getAs("request_id")));
  }

  private static Cli infer(Path in, Path root, Path prompt, Path base, Path adapter) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "infer",
                "--input",
                in.toString(),
                "--output",
                root.toString(),
                "--run-date",
                "2026-11-27",
                "--set",
                "infer.prompt=\"" + prompt + "\"",
                "--set",
                "infer.provider=local",
                "--set",
                "infer.model=\"" + base + "\"",
                "--set",
                "infer.unpriced=true"));
    if (adapter != null) {
      args.addAll(List.of("--set", "infer.local.adapter=\"" + adapter + "\""));
    }
    return Cli.run(args.toArray(String[]::new));
  }

  private static List<Row> results(Path root) {
    return LocalSpark.session()
        .read()
        .parquet(root.resolve("inference_results/run_date=2026-11-27").toString())
        .collectAsList();
  }
}
