package dev.batchlm.pipeline.infer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.table.LlmCache;
import dev.batchlm.testing.LocalSpark;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lookup, call-sharing and answering steps on small in-memory Datasets. */
class CacheLookupTest {
  @TempDir java.nio.file.Path tmp;

  private final SparkSession spark = LocalSpark.session();

  private Request request(InferSettings s, String id, String text) {
    return Request.keyed(
        s,
        id,
        s.alias(),
        List.of(ChatMessage.user(text)),
        new ObjectMapper().createObjectNode().put("max_tokens", 64),
        null,
        List.of(),
        0,
        Spent.NOTHING);
  }

  private Dataset<Row> requests(Request... rs) {
    return Request.ROWS.dataset(
        spark, new JavaSparkContext(spark.sparkContext()).parallelize(List.of(rs), 2));
  }

  private static Row cached(String key, String text, long createdAtMillis) {
    return RowFactory.create(
        key,
        "openai",
        "m",
        "m",
        text,
        "stop",
        "{}",
        10L,
        3L,
        0L,
        0L,
        0.002,
        50L,
        "old-request",
        "old-run",
        new Timestamp(createdAtMillis));
  }

  @Test
  void eachRequestGetsTheNewestCopyOfItsKeyOrNothing() {
    InferSettings s = Settings.classify(tmp);
    Request a = request(s, "a", "one");
    Request b = request(s, "b", "two");
    Request c = request(s, "c", "three");
    Path cache = new Path(tmp.resolve("llm_cache").toString());
    spark
        .createDataFrame(
            List.of(
                cached(a.primaryKey(), "stale", 1_000),
                cached(a.primaryKey(), "fresh", 2_000),
                cached(c.primaryKey(), "tie, second by its text", 5_000),
                cached(c.primaryKey(), "tie, first by its text", 5_000),
                cached("some-other-key", "other", 3_000)),
            LlmCache.SCHEMA)
        .write()
        .parquet(cache.toString());

    Map<String, CacheEntry> found =
        CacheLookup.ROWS
            .rows(CacheLookup.lookup(spark, requests(a, b, c), cache, s))
            .collect()
            .stream()
            .collect(Collectors.toMap(l -> l.request().id(), l -> orNone(l.entry()), (x, y) -> x));

    assertThat(found.get("a").outputText()).isEqualTo("fresh");
    assertThat(found.get("b")).isSameAs(NONE);
    assertThat(found.get("c").outputText()).isEqualTo("tie, first by its text");
    assertThat(
            CacheLookup.lookup(
                    spark, requests(a, b), cache, Settings.classify(tmp, "infer.cache", "refresh"))
                .filter("entry is not null")
                .count())
        .as("infer.cache=refresh reads nothing")
        .isZero();
  }

  @Test
  void aRequestWhoseFirstRouteIsNotCachedFindsTheAnswerOfAFurtherRoute() throws Exception {
    java.nio.file.Path routes =
        java.nio.file.Files.writeString(
            tmp.resolve("routes.conf"),
            "aliases { m { routes = [\n"
                + "  { name = first, base-url = \"http://127.0.0.1:1/v1\", model = m1 }\n"
                + "  { name = second, base-url = \"http://127.0.0.1:1/v1\", model = m2 } ] } }");
    InferSettings s = Settings.classify(tmp, "infer.routes", Settings.quote(routes.toString()));
    Request r = request(s, "r", "one");
    assertThat(r.candidateKeys()).hasSize(2);
    Path cache = new Path(tmp.resolve("fallback-cache").toString());
    spark
        .createDataFrame(
            List.of(cached(r.candidateKeys().get(1), "from m2", 1_000)), LlmCache.SCHEMA)
        .write()
        .parquet(cache.toString());

    List<CacheLookup.Looked> found =
        CacheLookup.ROWS.rows(CacheLookup.lookup(spark, requests(r), cache, s)).collect();

    assertThat(found).hasSize(1);
    assertThat(found.get(0).entry().outputText()).isEqualTo("from m2");
  }

  @Test
  void identicalMissesCallOnceAndTheOthersShareTheAnswerAsHits() {
    InferSettings s = Settings.classify(tmp);
    Request first = request(s, "r1", "same");
    Request twin = request(s, "r2", "same");
    Request other = request(s, "r3", "different");
    Dataset<Row> misses = requests(first, twin, other);

    List<String> callers =
        Request.ROWS.rows(InferAction.leaders(misses)).map(Request::id).collect();
    assertThat(callers).containsExactlyInAnyOrder("r1", "r3");

    Answer paid =
        new Answer(
            "k",
            "m",
            "openai",
            "m",
            "ok",
            "stop",
            new Spent(1, 5, 2, 0, 0, 0.1, 0, 30, 0),
            null,
            false,
            null);
    Dataset<Row> called =
        Calls.ROWS.dataset(
            spark,
            new JavaSparkContext(spark.sparkContext())
                .parallelize(
                    List.of(
                        new Calls.Called("r1", first.primaryKey(), paid),
                        new Calls.Called("r3", other.primaryKey(), paid))));
    Dataset<Row> looked =
        CacheLookup.lookup(spark, misses, new Path(tmp.resolve("none").toString()), s);
    Map<String, Answer> answers =
        InferAction.answered(looked.filter("entry is not null"), misses, called).collect().stream()
            .collect(Collectors.toMap(x -> x.request().id(), Judge.Answered::answer));

    assertThat(answers.get("r1")).isEqualTo(paid);
    assertThat(answers.get("r3")).isEqualTo(paid);
    assertThat(answers.get("r2")).isEqualTo(paid.shared());
  }

  @Test
  void hitsThatNothingValidatesBecomeTheResultsJudgeWouldMake() {
    for (InferSettings s :
        List.of(
            Settings.classify(tmp),
            Settings.classify(tmp, "infer.model", "gpt-4o-mini", "infer.unpriced", "false"))) {
      Request fresh = request(s, "r1", "one");
      Request repaired = // spent carried in, as a later round's is (the sums must hold)
          new Request(
              "r2",
              s.alias(),
              fresh.messages(),
              fresh.params(),
              null,
              List.of("c1"),
              0,
              new Spent(1, 10, 5, 1, 2, 0.25, 0.125, 100, 7.5),
              fresh.primaryKey(),
              fresh.primaryRoute(),
              fresh.candidateKeys(),
              9,
              64);
      Path cache = new Path(tmp.resolve("cache-" + s.alias()).toString());
      spark
          .createDataFrame(List.of(cached(fresh.primaryKey(), "billing", 1_000)), LlmCache.SCHEMA)
          .write()
          .parquet(cache.toString());
      Dataset<Row> hits = CacheLookup.lookup(spark, requests(fresh, repaired), cache, s);
      assertThat(hits.filter("entry is null").count()).isZero();

      Judge judge = new Judge(s, "run-1", false);
      Map<String, Finished> expected =
          CacheLookup.ROWS.rows(hits).collect().stream()
              .map(l -> judge.judge(l.request(), Answer.cached(l.entry())).finished())
              .collect(Collectors.toMap(Finished::requestId, f -> f));
      List<Finished> made = Finished.ROWS.rows(Judge.unvalidatedHits(s, "run-1", hits)).collect();

      assertThat(made).hasSize(2);
      made.forEach(f -> assertThat(f).isEqualTo(expected.get(f.requestId())));
      assertThat(expected.get("r2").inputTokens()).isEqualTo(20); // 10 earlier + 10 cached
    }
  }

  private static final CacheEntry NONE =
      new CacheEntry(null, null, null, null, null, null, 0, 0, 0, 0, null, null);

  private static CacheEntry orNone(CacheEntry e) {
    return e == null ? NONE : e;
  }
}
