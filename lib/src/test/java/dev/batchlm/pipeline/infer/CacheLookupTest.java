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
    Path cache = new Path(tmp.resolve("llm_cache").toString());
    spark
        .createDataFrame(
            List.of(
                cached(a.primaryKey(), "stale", 1_000),
                cached(a.primaryKey(), "fresh", 2_000),
                cached("some-other-key", "other", 3_000)),
            LlmCache.SCHEMA)
        .write()
        .parquet(cache.toString());

    Map<String, CacheEntry> found =
        CacheLookup.ROWS
            .rows(CacheLookup.lookup(spark, requests(a, b), cache, true))
            .collect()
            .stream()
            .collect(Collectors.toMap(l -> l.request().id(), l -> orNone(l.entry()), (x, y) -> x));

    assertThat(found.get("a").outputText()).isEqualTo("fresh");
    assertThat(found.get("b")).isSameAs(NONE);
    assertThat(
            CacheLookup.lookup(spark, requests(a, b), cache, false)
                .filter("entry is not null")
                .count())
        .as("infer.cache=refresh reads nothing")
        .isZero();
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
            false);
    Dataset<Row> called =
        Calls.ROWS.dataset(
            spark,
            new JavaSparkContext(spark.sparkContext())
                .parallelize(
                    List.of(
                        new Calls.Called("r1", first.primaryKey(), paid),
                        new Calls.Called("r3", other.primaryKey(), paid))));
    Dataset<Row> looked =
        CacheLookup.lookup(spark, misses, new Path(tmp.resolve("none").toString()), true);
    Map<String, Answer> answers =
        InferAction.answered(looked, misses, called).collect().stream()
            .collect(Collectors.toMap(x -> x.request().id(), Judge.Answered::answer));

    assertThat(answers.get("r1")).isEqualTo(paid);
    assertThat(answers.get("r3")).isEqualTo(paid);
    assertThat(answers.get("r2")).isEqualTo(paid.shared());
  }

  private static final CacheEntry NONE =
      new CacheEntry(null, null, null, null, null, null, 0, 0, 0, 0, null, null);

  private static CacheEntry orNone(CacheEntry e) {
    return e == null ? NONE : e;
  }
}
