package dev.batchlm.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class CacheKeysTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void equalsPythonsSortedCompactJsonHash() throws Exception {
    // Expected value from Python: json.dumps(obj, sort_keys=True, separators=(',', ':'),
    // ensure_ascii=False) hashed with hashlib.sha256 — an independent canonicalization.
    String key =
        CacheKeys.of(
            "openai",
            "gpt-4o-mini",
            json(
                "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Größe? 😀\"}]"),
            json("{\"top_p\": 1.0, \"temperature\": 0, \"max_tokens\": 64}"),
            json("{\"type\": \"json_object\"}"));
    assertThat(key).isEqualTo("04ec78289c9c245da3250f46a1d24f8094c4a28fdaa7e3f41ee0ffacd36e5663");
  }

  @Test
  void keyOrderWhitespaceNumberFormAndNullsDoNotMatterButEverythingElseDoes() throws Exception {
    JsonNode messages = json("[{\"role\":\"user\",\"content\":\"hi\"}]");
    String base =
        CacheKeys.of("openai", "m", messages, json("{\"temperature\":0.7,\"seed\":1}"), null);
    assertThat(
            CacheKeys.of(
                "openai",
                "m",
                json(" [ { \"content\" : \"hi\", \"role\" : \"user\" } ] "),
                json("{\"seed\":1.0,\"temperature\":0.70,\"stop\":null}"),
                null))
        .isEqualTo(base);
    assertThat(
            CacheKeys.of("openai", "m", messages, json("{\"temperature\":0.8,\"seed\":1}"), null))
        .isNotEqualTo(base);
    assertThat(
            CacheKeys.of(
                "anthropic", "m", messages, json("{\"temperature\":0.7,\"seed\":1}"), null))
        .isNotEqualTo(base);
    assertThat(
            CacheKeys.of(
                "openai",
                "m",
                json("[{\"role\":\"user\",\"content\":\"hi \"}]"),
                json("{\"temperature\":0.7,\"seed\":1}"),
                null))
        .isNotEqualTo(base);
    assertThat(
            CacheKeys.of(
                "openai",
                "m",
                messages,
                json("{\"temperature\":0.7,\"seed\":1}"),
                json("{\"type\":\"json_object\"}")))
        .isNotEqualTo(base);
    assertThat(CacheKeys.canonical(json("{\"b\":[3,1.50,null],\"a\":{\"y\":1e2,\"x\":\"é\"}}")))
        .isEqualTo("{\"a\":{\"x\":\"é\",\"y\":100},\"b\":[3,1.5,null]}");
  }
}
