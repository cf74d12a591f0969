package dev.batchlm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchConfigTest {
  @Test
  void defaultsCoverEveryKeyThatHasOne() {
    BatchConfig c = BatchConfig.defaultsOnly();
    assertThat(c.get(ConfigKeys.OUTPUT_ROOT)).isEqualTo("out");
    assertThat(c.get(ConfigKeys.CHUNK_SIZE)).isEqualTo(1000);
    assertThat(c.get(ConfigKeys.CHUNK_OVERLAP)).isEqualTo(200);
    assertThat(c.get(ConfigKeys.CHUNK_SEPARATORS)).containsExactly("\n\n", "\n", " ", "");
    assertThat(c.get(ConfigKeys.INGEST_MAX_FILE_BYTES)).isEqualTo(64L << 20);
    assertThat(c.runDate()).isEqualTo(LocalDate.now(ZoneOffset.UTC));
    assertThat(c.isSet(ConfigKeys.INGEST_INPUT)).isFalse();
    for (ConfigKey<?> k : ConfigKeys.all().values()) {
      if (k.defaultValue() != null) {
        assertThat(c.masked()).as(k.name()).containsKey(k.name());
      }
    }
  }

  @Test
  void everyKeyCanBeSetExplicitly() {
    String hocon =
        """
        run { date = "2026-01-02", seed = 7 }
        output.root = "hdfs:///x"
        ingest { input = "/in", format = jsonl, id-column = key, text-column = body, title-column = t
                 max-file-bytes = 10, max-chars = 20, max-undecodable-ratio = 0.5, partitions = 3 }
        chunk { input = "/docs", strategy = tokens, size = 64, overlap = 8, unit = tokens
                separators = ["|"], keep-separator = end, tokenizer = "/t.json" }
        embed { input = "/chunks", model = "/m", batch-size = 8, pooling = cls, normalize = "true"
                passage-prefix = "passage: ", max-length = 128 }
        retrieve { queries = "/q.jsonl", query-format = parquet, query-id-column = qid
                   query-text-column = question, query-prefix = "query: ", methods = [bm25]
                   top-k = 5, bm25-k1 = 0.9, bm25-b = 0.4, rrf-k = 10, fusion-depth = 20 }
        infer { input = "/r.jsonl", format = openai-batch, id-column = id, messages-column = m
                prompt = classify, prompts-dir = "/p", model = qa, routes = "/routes.conf"
                provider = anthropic, base-url = "http://h/v1", api-key-env = K
                api-key-file = "/k", unpriced = true, requests-per-minute = 60
                tokens-per-minute = 1000, max-concurrency = 2, partitions = 4, timeout-ms = 5
                max-attempts = 2, request-budget-ms = 9, max-tokens = 16, cache = refresh
                max-repairs = 0, prices = "/prices.conf", budget-usd = 1.5, dry-run = true
                rag = true, rag-method = bm25, rag-query-column = qid, rag-top-k = 3
                rag-budget-tokens = 100, batch-api = true
                local { batch = 4, max-length = 512, prompt-overflow = truncate } }
        eval { answers = "/a", answer-id-column = i, output-column = o, system-column = s
               references = "/r", reference-id-column = q, reference-column = r, tags-column = t
               metrics = [f1], rouge-stemmer = true, judgments = "/j", judgments-format = qrels
               relevant-column = rel, level = chunk, k = [5], bootstrap = 10, seed = 1
               baseline = "x", gate = ["f1:0.1"], question-column = qq, judge-prompt = j
               judge-model = jm, pairwise = [a, b], pairwise-prompt = pp }
        """;
    BatchConfig c = BatchConfig.load(List.of(BatchConfig.parseFile("x.conf", hocon)));
    for (ConfigKey<?> k : ConfigKeys.all().values()) {
      assertThat(c.masked()).as(k.name()).containsKey(k.name());
    }
    assertThat(c.runDate()).isEqualTo(LocalDate.of(2026, 1, 2));
    assertThat(c.get(ConfigKeys.INGEST_ID_COLUMN)).isEqualTo("key");
    assertThat(c.get(ConfigKeys.INGEST_MAX_UNDECODABLE_RATIO)).isEqualTo(0.5);
    assertThat(c.get(ConfigKeys.CHUNK_SEPARATORS)).containsExactly("|");
    assertThat(c.get(ConfigKeys.CHUNK_KEEP_SEPARATOR)).isEqualTo("end");
    assertThat(c.get(ConfigKeys.EMBED_PASSAGE_PREFIX)).isEqualTo("passage: ");
    assertThat(c.get(ConfigKeys.EMBED_MAX_LENGTH)).isEqualTo(128);
    assertThat(c.get(ConfigKeys.RETRIEVE_METHODS)).containsExactly("bm25");
    assertThat(c.get(ConfigKeys.RETRIEVE_BM25_B)).isEqualTo(0.4);
    assertThat(c.get(ConfigKeys.INFER_BUDGET_USD)).isEqualTo(1.5);
    assertThat(c.get(ConfigKeys.INFER_CACHE)).isEqualTo("refresh");
    assertThat(c.masked().get("infer.api-key-env")).isEqualTo("K");
  }

  @Test
  void layersOverrideInOrderFileThenSparkThenSet() {
    var file =
        BatchConfig.parseFile("a.yaml", "chunk:\n  size: 10\n  overlap: 1\noutput:\n  root: /f\n");
    var spark =
        BatchConfig.fromSparkProperties(
            Map.of("spark.batchlm.chunk.size", "20", "spark.executor.memory", "1g"));
    var sets = BatchConfig.parseSets(List.of("chunk.size=30", "chunk.separators=[\"a\", \"b\"]"));
    BatchConfig c = BatchConfig.load(List.of(file, spark, sets));
    assertThat(c.get(ConfigKeys.CHUNK_SIZE)).isEqualTo(30);
    assertThat(c.get(ConfigKeys.CHUNK_OVERLAP)).isEqualTo(1);
    assertThat(c.get(ConfigKeys.OUTPUT_ROOT)).isEqualTo("/f");
    assertThat(c.get(ConfigKeys.CHUNK_SEPARATORS)).containsExactly("a", "b");
    assertThat(BatchConfig.load(List.of(file, spark)).get(ConfigKeys.CHUNK_SIZE)).isEqualTo(20);
  }

  @Test
  void unknownKeyIsNamedWithItsOriginAndASuggestion() {
    assertThatThrownBy(
            () -> BatchConfig.load(List.of(BatchConfig.parseSets(List.of("chunk.sise=5")))))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Unknown config key 'chunk.sise' in --set (did you mean 'chunk.size'?)."
                + " `bin/batchlm JOB --help` lists the keys.");
    assertThatThrownBy(
            () ->
                BatchConfig.load(
                    List.of(BatchConfig.fromSparkProperties(Map.of("spark.batchlm.nope", "1")))))
        .hasMessageContaining("'nope' in spark-submit --conf spark.batchlm.*");
  }

  @Test
  void badValuesNameTheKeyAndTheRule() {
    BatchConfig c =
        BatchConfig.load(
            List.of(
                BatchConfig.parseSets(
                    List.of(
                        "chunk.size=abc",
                        "chunk.overlap=-1",
                        "run.date=2026-13-01",
                        "chunk.unit=words"))));
    assertThatThrownBy(() -> c.get(ConfigKeys.CHUNK_SIZE))
        .hasMessage("Invalid chunk.size: abc (must be an integer)");
    assertThatThrownBy(() -> c.get(ConfigKeys.CHUNK_OVERLAP))
        .hasMessage("Invalid chunk.overlap: -1 (must be >= 0)");
    assertThatThrownBy(c::runDate).hasMessage("Invalid run.date: 2026-13-01 (must be YYYY-MM-DD)");
    assertThatThrownBy(() -> c.get(ConfigKeys.CHUNK_UNIT))
        .hasMessage("Invalid chunk.unit: words (must be one of chars, tokens)");
    assertThatThrownBy(() -> c.require(ConfigKeys.INGEST_INPUT, "pass --input"))
        .hasMessage("ingest.input is not set: pass --input");
  }

  @Test
  void everyValueIsCheckedAgainstItsDeclaredTypeBeforeAnyWork() {
    BatchConfig.defaultsOnly().checkAll(); // every default meets its own rule
    BatchConfig c = BatchConfig.load(List.of(BatchConfig.parseSets(List.of("infer.rag=maybe"))));
    assertThatThrownBy(c::checkAll).hasMessage("Invalid infer.rag: maybe (must be true or false)");
    BatchConfig yes =
        BatchConfig.load(
            List.of(BatchConfig.parseSets(List.of("infer.rag=yes", "eval.level=DOC"))));
    assertThat(yes.get(ConfigKeys.INFER_RAG)).isTrue(); // HOCON's booleans: true, yes, on
    assertThat(yes.get(ConfigKeys.EVAL_LEVEL)).isEqualTo("doc");
    assertThat(ConfigKeys.EVAL_BOOTSTRAP.type().description()).isEqualTo("an integer >= 1");
    assertThat(ConfigKeys.INGEST_MAX_UNDECODABLE_RATIO.type().description())
        .isEqualTo("a number in [0, 1]");
  }

  @Test
  void choicesDeclaredHereAreTheOnesTheLibraryImplements() {
    assertThat(ConfigKeys.INFER_PROVIDER.type().rule())
        .isEqualTo("one of " + String.join(", ", dev.batchlm.llm.Route.PROVIDERS));
    assertThat(ConfigKeys.EVAL_BLEU_TOKENIZE.type().rule())
        .isEqualTo("one of " + String.join(", ", dev.batchlm.eval.Bleu.TOKENIZERS));
  }

  @Test
  void malformedFilesAndSetsAreNamed() {
    assertThatThrownBy(() -> BatchConfig.parseFile("conf/bad.conf", "chunk { size = "))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("Invalid config file conf/bad.conf:");
    assertThatThrownBy(() -> BatchConfig.parseFile("bad.yaml", "- a\n- b\n"))
        .hasMessage("Invalid config file bad.yaml: top level must be a map");
    assertThatThrownBy(() -> BatchConfig.parseSets(List.of("novalue")))
        .hasMessage("Invalid --set 'novalue': expected key=value");
  }

  @Test
  void secretsAreMasked() {
    assertThat(ConfigKey.isSecretName("infer.routes.openai.api-key")).isTrue();
    assertThat(ConfigKey.isSecretName("chunk.tokenizer")).isFalse();
  }
}
