package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.table.FinetuneExamples;
import dev.batchlm.table.FinetunePacked;
import dev.batchlm.table.InferenceResults;
import dev.batchlm.testing.LocalSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ft-prep from the command line on a night of answers with one planted case per rule: each lands in
 * the report under its reason, the kept examples carry their lineage, and bad lines are quarantined
 * with their file and line.
 */
class FtPrepIT {
  static SparkSession spark;
  @TempDir Path tmp;

  @BeforeAll
  static void start() {
    spark = LocalSpark.session();
  }

  private static final String POLICY =
      "Refunds are issued to the original payment method within five business days after the"
          + " returned item reaches our warehouse, and you will receive an email confirmation"
          + " once the money is on its way. ";

  private static final String[] WORDS =
      ("the order shipping refund customer account payment delivery return warehouse package"
              + " address invoice support team product week day time card bank transfer store"
              + " online help please thank you we will can your our this that with from about"
              + " after before when where how what which new old small large fast slow early"
              + " late today tomorrow morning evening price discount coupon code label box"
              + " courier tracking number email phone message reply question answer problem"
              + " issue solution update change cancel confirm receive send check follow")
          .split(" ");

  /** A long English answer of its own: no two share five words in a row. */
  private static String answer(int n) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(n);
    StringBuilder out = new StringBuilder("Thank you for asking");
    for (int i = 0; i < 150; i++) { // long: r10's 5 differing shingles leave Jaccard ≈ 0.94
      out.append(' ').append(WORDS[random.nextInt(WORDS.length)]);
    }
    return out.append('.').toString();
  }

  /** A base-model folder with the ChatML tokenizer fixture and its chat template. */
  static Path chatmlBaseModel(Path dir) throws java.io.IOException {
    Files.createDirectories(dir);
    for (String file : List.of("tokenizer.json", "tokenizer_config.json", "chat_template.jinja")) {
      try (var in = FtPrepIT.class.getResourceAsStream("/hf-reference/tokenizer-chatml/" + file)) {
        Files.copy(in, dir.resolve(file));
      }
    }
    return dir;
  }

  private static Row result(String id, String answer, boolean valid, String error) {
    Object[] v = new Object[InferenceResults.SCHEMA.size()];
    Map<String, Object> by = new HashMap<>();
    by.put("run_id", "run-infer");
    by.put("request_id", id);
    by.put("prompt_name", "support");
    by.put("prompt_version", "v1");
    by.put("model_alias", "m");
    by.put("route", "m");
    by.put("provider", "openai");
    by.put("model", "m");
    by.put("params", "{}");
    by.put("cache_hit", false);
    by.put("output_text", answer);
    by.put("valid", valid);
    by.put("input_tokens", 10L);
    by.put("output_tokens", 10L);
    by.put("cached_tokens", 0L);
    by.put("reasoning_tokens", 0L);
    by.put("latency_ms", 1L);
    by.put("device_ms", 0.0);
    by.put("attempts", 1);
    by.put("context_chunk_ids", new String[0]);
    by.put("error", error);
    by.put(
        "messages",
        "[{\"role\":\"user\",\"content\":\"Customer question for request " + id + "\"}]");
    for (int i = 0; i < v.length; i++) {
      v[i] = by.get(InferenceResults.SCHEMA.fields()[i].name());
    }
    return RowFactory.create(v);
  }

  @Test
  void anEmptySelectionFinishesAndSaysSo() throws Exception {
    Path root = tmp.resolve("empty");
    spark
        .createDataFrame(List.of(result("r1", answer(1), true, null)), InferenceResults.SCHEMA)
        .write()
        .parquet(root.resolve("inference_results/run_date=2026-11-27").toString());
    Path feedback =
        Files.writeString(
            tmp.resolve("down.jsonl"), "{\"request_id\": \"r1\", \"rating\": \"down\"}\n");
    var out = new java.io.ByteArrayOutputStream();
    var old = System.out;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    Cli run;
    try {
      run =
          Cli.run(
              "ft-prep",
              "--output",
              root.toString(),
              "--run-date",
              "2026-11-27",
              "--set",
              "ft-prep.feedback=\"" + feedback + "\"");
    } finally {
      System.setOut(old);
    }
    assertThat(run.exitCode).as(run.err).isZero();
    assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
        .contains("0 train + 0 validation examples")
        .contains("dropped {thumbs_down=1}")
        .contains("no examples this night");
    assertThat(
            spark
                .read()
                .parquet(root.resolve("finetune_examples/run_date=2026-11-27").toString())
                .count())
        .isZero();
  }

  @Test
  void eachRuleDropsItsPlantedCaseAndTheRestIsKeptWithItsLineage() throws Exception {
    Path root = tmp.resolve("out");
    String nearCopy = answer(1); // asked in other words: the user's message differs
    List<Row> results =
        List.of(
            result("r1", answer(1), true, null),
            result("r2", answer(2), true, null),
            result("r3", answer(3), true, null), // latest rating 2
            result("r4", answer(4), true, null), // no feedback
            result("r5", "not what was asked", false, null), // corrected by the user
            result("r6", null, false, "HTTP 500"),
            result(
                "r7",
                "We refunded card 4111 1111 1111 1111; receipt to ann@example.com. " + answer(7),
                true,
                null),
            result("r8", "I'm sorry, but I can't help with that request.", true, null),
            result(
                "r9",
                "Rückerstattungen erfolgen innerhalb von fünf Werktagen nach Eingang der"
                    + " Rücksendung in unserem Lager auf das ursprüngliche Zahlungsmittel.",
                true,
                null),
            result("r10", nearCopy, true, null),
            result("r12", POLICY + answer(12), true, null));
    List<Row> withTwin = new ArrayList<>(results);
    Row twin = result("r11", answer(2), true, null); // the same conversation as r2 but its id
    Object[] t = new Object[twin.size()];
    for (int i = 0; i < t.length; i++) {
      t[i] = twin.get(i);
    }
    t[InferenceResults.SCHEMA.fieldIndex("messages")] =
        "[{\"role\":\"user\",\"content\":\"Customer question for request r2\"}]";
    withTwin.add(RowFactory.create(t));
    spark
        .createDataFrame(withTwin, InferenceResults.SCHEMA)
        .write()
        .parquet(root.resolve("inference_results/run_date=2026-11-27").toString());

    Path feedback =
        Files.writeString(
            tmp.resolve("feedback.jsonl"),
            String.join(
                    "\n",
                    "{\"feedback_id\": \"f1\", \"request_id\": \"r1\", \"rating\": \"up\"}",
                    "{\"feedback_id\": \"f2\", \"request_id\": \"r2\", \"rating\": 5}",
                    "{\"feedback_id\": \"f3a\", \"request_id\": \"r3\", \"rating\": 5,"
                        + " \"created_at\": \"2026-11-27T08:00:00Z\"}",
                    "{\"feedback_id\": \"f3b\", \"request_id\": \"r3\", \"rating\": 2,"
                        + " \"created_at\": \"2026-11-27T09:00:00Z\"}",
                    "{\"feedback_id\": \"f5\", \"request_id\": \"r5\", \"rating\": 1,"
                        + " \"corrected_answer\": \""
                        + answer(5)
                        + "\"}",
                    "{\"feedback_id\": \"f6\", \"request_id\": \"r6\", \"rating\": \"up\"}",
                    "{\"feedback_id\": \"f7\", \"request_id\": \"r7\", \"rating\": \"up\"}",
                    "{\"feedback_id\": \"f8\", \"request_id\": \"r8\", \"rating\": \"up\"}",
                    "{\"feedback_id\": \"f9\", \"request_id\": \"r9\", \"rating\": \"up\"}",
                    "{\"feedback_id\": \"f10\", \"request_id\": \"r10\", \"rating\": 4}",
                    "{\"feedback_id\": \"f11\", \"request_id\": \"r11\", \"rating\": 4}",
                    "{\"feedback_id\": \"f12\", \"request_id\": \"r12\", \"rating\": \"up\"}",
                    "{\"feedback_id\": \"f99\", \"request_id\": \"r99\", \"rating\": \"up\"}",
                    "this line is not JSON",
                    "{\"feedback_id\": \"fx\", \"request_id\": \"r1\", \"rating\": \"maybe\"}")
                + "\n");
    Path dataset =
        Files.writeString(
            tmp.resolve("extra.jsonl"),
            String.join(
                    "\n",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"Q one\"}, {\"role\":"
                        + " \"assistant\", \"content\": \""
                        + answer(21)
                        + "\"}]}",
                    "{\"conversations\": [{\"from\": \"human\", \"value\": \"Q two\"}, {\"from\":"
                        + " \"gpt\", \"value\": \""
                        + answer(22)
                        + "\"}]}",
                    "",
                    "{\"instruction\": \"Q three\", \"output\": \"" + answer(23) + "\"}",
                    "{\"messages\": [{\"role\": \"user\", \"content\": \"no answer\"}]}",
                    "{\"instruction\": \"Q six\", \"output\": \"Yes.\"}") // few tokens to learn
                + "\n");
    Path evalSet =
        Files.writeString(
            tmp.resolve("questions.jsonl"),
            "{\"query_id\": \"q1\", \"text\": \"How do refunds work?\", \"answer\": \""
                + POLICY.strip()
                + "\"}\n");

    Path base = chatmlBaseModel(tmp.resolve("base-model"));
    String[] args = {
      "ft-prep",
      "--output",
      root.toString(),
      "--run-date",
      "2026-11-27",
      "--set",
      "ft-prep.feedback=\"" + feedback + "\"",
      "--set",
      "ft-prep.datasets=[\"" + dataset + "\"]",
      "--set",
      "ft-prep.eval-sets=[\"" + evalSet + "\"]",
      "--set",
      "ft-prep.base-model=\"" + base + "\"",
      "--set",
      "ft-prep.packing=first-fit",
      "--set",
      "ft-prep.min-trained-tokens=12"
    };
    Cli run = Cli.run(args);
    assertThat(run.exitCode).as(run.err).isZero();

    Map<String, Row> examples =
        spark
            .read()
            .parquet(root.resolve("finetune_examples/run_date=2026-11-27").toString())
            .collectAsList()
            .stream()
            .collect(Collectors.toMap(r -> r.getAs(FinetuneExamples.EXAMPLE_ID), r -> r));
    assertThat(examples.keySet())
        .containsExactlyInAnyOrder(
            "request:r1",
            "request:r2",
            "request:r5",
            "request:r7",
            "extra.jsonl:1",
            "extra.jsonl:2",
            "extra.jsonl:4");
    Row r5 = examples.get("request:r5");
    assertThat(r5.<Boolean>getAs(FinetuneExamples.CORRECTED)).isTrue();
    assertThat(r5.<String>getAs(FinetuneExamples.MESSAGES))
        .contains(answer(5))
        .doesNotContain("not what was asked");
    assertThat(r5.<String>getAs(FinetuneExamples.FEEDBACK_ID)).isEqualTo("f5");
    Row r7 = examples.get("request:r7");
    assertThat(r7.<String>getAs(FinetuneExamples.MESSAGES))
        .contains("card <CARD>; receipt to <EMAIL>.")
        .doesNotContain("ann@example.com");
    assertThat(r7.<Integer>getAs(FinetuneExamples.PII_MASKED)).isEqualTo(2);
    Row fromFile = examples.get("extra.jsonl:4");
    assertThat(fromFile.<String>getAs(FinetuneExamples.SOURCE)).isEqualTo("dataset:extra.jsonl");
    assertThat(fromFile.<Long>getAs(FinetuneExamples.SOURCE_LINE)).isEqualTo(4L);
    assertThat(fromFile.<String>getAs(FinetuneExamples.MESSAGES))
        .startsWith("[{\"role\":\"user\",\"content\":\"Q three\"}");
    assertThat(examples.values())
        .allSatisfy(
            r -> assertThat(r.<String>getAs(FinetuneExamples.SPLIT)).isIn("train", "validation"));
    // tokenized for the base model: labels are the ids on the answer, -100 on the prompt
    assertThat(examples.values())
        .allSatisfy(
            r -> {
              List<Long> ids = r.getList(r.fieldIndex(FinetuneExamples.INPUT_IDS));
              List<Long> labels = r.getList(r.fieldIndex(FinetuneExamples.LABELS));
              assertThat(labels).hasSameSizeAs(ids);
              assertThat(r.<Integer>getAs(FinetuneExamples.TOKEN_COUNT)).isEqualTo(ids.size());
              long trained = labels.stream().filter(l -> l != -100L).count();
              assertThat(r.<Integer>getAs(FinetuneExamples.TRAINED_TOKENS))
                  .isEqualTo((int) trained)
                  .isPositive();
              assertThat(labels.get(0)).as("the prompt is not trained on").isEqualTo(-100L);
              for (int i = 0; i < ids.size(); i++) {
                assertThat(labels.get(i)).isIn(-100L, ids.get(i));
              }
            });

    // the exports beside the table: every example once, readable as the formats trainers take
    Path export = root.resolve("finetune_examples/run_date=2026-11-27/_export");
    long exported = 0;
    for (String split : List.of("train", "validation")) {
      for (String format : List.of("openai", "sharegpt")) {
        List<String> lines = Files.readAllLines(export.resolve(split + "." + format + ".jsonl"));
        lines.forEach(l -> assertThat(dev.batchlm.finetune.ChatFormats.read(l)).isNotEmpty());
        assertThat(lines)
            .hasSize(
                (int)
                    examples.values().stream()
                        .filter(r -> r.getAs(FinetuneExamples.SPLIT).equals(split))
                        .count());
        exported += format.equals("openai") ? lines.size() : 0;
      }
    }
    assertThat(exported).isEqualTo(7);
    assertThat(Files.readString(export.resolve("train.openai.jsonl")))
        .contains("card <CARD>; receipt to <EMAIL>.");

    // packed: each example once, in a sequence of its split, its tokens and labels in place and
    // its positions from 0 (the first label -100: it is not predicted from the example before)
    List<Row> sequences =
        spark
            .read()
            .parquet(root.resolve("finetune_packed/run_date=2026-11-27").toString())
            .collectAsList();
    List<String> packedIds = new ArrayList<>();
    long packedTokens = 0;
    for (Row seq : sequences) {
      List<String> ids = seq.getList(seq.fieldIndex(FinetunePacked.EXAMPLE_IDS));
      List<Long> inputIds = seq.getList(seq.fieldIndex(FinetunePacked.INPUT_IDS));
      List<Long> labels = seq.getList(seq.fieldIndex(FinetunePacked.LABELS));
      List<Integer> positions = seq.getList(seq.fieldIndex(FinetunePacked.POSITION_IDS));
      List<Integer> lengths = seq.getList(seq.fieldIndex(FinetunePacked.SEQUENCE_LENGTHS));
      int at = 0;
      for (int e = 0; e < ids.size(); e++) {
        Row example = examples.get(ids.get(e));
        List<Long> exampleIds = example.getList(example.fieldIndex(FinetuneExamples.INPUT_IDS));
        List<Long> exampleLabels = example.getList(example.fieldIndex(FinetuneExamples.LABELS));
        int n = exampleIds.size();
        assertThat(example.<String>getAs(FinetuneExamples.SPLIT))
            .isEqualTo(seq.getAs(FinetunePacked.SPLIT));
        assertThat(lengths.get(e)).isEqualTo(n);
        assertThat(inputIds.subList(at, at + n)).isEqualTo(exampleIds);
        assertThat(labels.get(at)).isEqualTo(-100L);
        assertThat(labels.subList(at + 1, at + n)).isEqualTo(exampleLabels.subList(1, n));
        assertThat(positions.subList(at, at + n))
            .isEqualTo(java.util.stream.IntStream.range(0, n).boxed().toList());
        at += n;
      }
      assertThat(at).isEqualTo(inputIds.size()).isLessThanOrEqualTo(4096);
      packedIds.addAll(ids);
      packedTokens += at;
    }
    assertThat(packedIds).containsExactlyInAnyOrderElementsOf(examples.keySet());

    Map<String, Long> report = new HashMap<>();
    spark
        .read()
        .parquet(root.resolve("finetune_report/run_date=2026-11-27").toString())
        .collectAsList()
        .forEach(r -> report.put(r.getAs("stage") + "." + r.getAs("outcome"), r.getAs("count")));
    assertThat(report)
        .containsEntry("read.no_feedback", 1L)
        .containsEntry("read.low_rating", 1L)
        .containsEntry("read.error", 1L)
        .containsEntry("read.feedback_for_unknown_request", 1L)
        .containsEntry("read.kept", 13L)
        .containsEntry("filter.refusal", 1L)
        .containsEntry("filter.language_de", 1L)
        .containsEntry("filter.pii_masked_card", 1L)
        .containsEntry("filter.pii_masked_email", 1L)
        .containsEntry("exact_duplicates.exact_duplicate", 1L)
        .containsEntry("near_duplicates.near_duplicate", 1L)
        .containsEntry("decontaminate.contaminated", 1L)
        .containsEntry("decontaminate.kept", 8L)
        .containsEntry("tokenize.too_short_tokens", 1L)
        .containsEntry("tokenize.kept", 7L)
        .containsEntry("pack.sequences", (long) sequences.size())
        .containsEntry("pack.tokens", packedTokens)
        .containsEntry("pack.capacity_tokens", sequences.size() * 4096L);
    assertThat(report.get("split.train") + report.getOrDefault("split.validation", 0L))
        .isEqualTo(7L);

    List<Row> bad =
        spark
            .read()
            .parquet(root.resolve("quarantine/run_date=2026-11-27/stage=ft-prep").toString())
            .collectAsList();
    assertThat(bad.stream().map(r -> r.<String>getAs("source")).toList())
        .anyMatch(s -> s.contains("feedback.jsonl:14: this line is not JSON"))
        .anyMatch(s -> s.contains("feedback.jsonl:15:"))
        .anyMatch(s -> s.contains("extra.jsonl:5:"));
    assertThat(bad.stream().map(r -> r.<String>getAs("message")).toList())
        .contains("no assistant turn to learn from")
        .anyMatch(m -> m.startsWith("rating must be up, down or 1-5"));

    Cli again = Cli.run(args);
    assertThat(again.exitCode).as(again.err).isZero();
  }
}
