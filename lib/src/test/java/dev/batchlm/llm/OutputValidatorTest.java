package dev.batchlm.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.config.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputValidatorTest {
  static final ObjectMapper JSON = new ObjectMapper();

  OutputValidator schema(String schema) throws Exception {
    return new OutputValidator(JSON.readTree(schema), "", List.of(), "test/schema.json");
  }

  @Test
  void checksJsonAgainstTheSchema() throws Exception {
    OutputValidator v =
        schema(
            "{\"type\":\"object\",\"required\":[\"label\"],\"properties\":{\"label\":"
                + "{\"enum\":[\"pos\",\"neg\"]},\"score\":{\"type\":\"number\"}}}");
    assertThat(v.check("{\"label\": \"pos\", \"score\": 0.5}").valid()).isTrue();
    assertThat(v.check("{\"label\": \"pos\", \"score\": 0.5}").json())
        .isEqualTo("{\"label\":\"pos\",\"score\":0.5}");
    assertThat(v.check("```json\n{\"label\": \"neg\"}\n```").valid()).isTrue();
    var wrongEnum = v.check("{\"label\": \"meh\"}");
    assertThat(wrongEnum.valid()).isFalse();
    assertThat(wrongEnum.error()).contains("does not match the schema").contains("label");
    assertThat(v.check("{\"score\": 1}").error()).contains("label");
    assertThat(v.check("The label is pos.").error()).startsWith("not JSON");
    assertThat(v.check("{\"label\": \"pos\"} trailing").valid()).isFalse();
  }

  @Test
  void checksRegexAndAllowedValues() {
    OutputValidator regex = new OutputValidator(null, "[A-D]", List.of(), "t");
    assertThat(regex.check(" B\n").valid()).isTrue();
    assertThat(regex.check("B, because").error()).contains("does not match the pattern");
    OutputValidator allowed = new OutputValidator(null, "", List.of("yes", "no"), "t");
    assertThat(allowed.check("no").valid()).isTrue();
    assertThat(allowed.check("maybe").error()).contains("[yes, no]");
  }

  @Test
  void rejectsASchemaThatIsNotJsonSchema() {
    assertThatThrownBy(() -> schema("{\"type\": \"strnig\"}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("test/schema.json: not a valid JSON Schema");
    assertThatThrownBy(() -> schema("{\"required\": \"label\"}"))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> schema("[1, 2]")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> new OutputValidator(null, "([A-D", List.of(), "p.conf"))
        .hasMessageContaining("p.conf: invalid regex");
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    OutputValidator v = schema("{\"type\":\"integer\"}");
    var bytes = new java.io.ByteArrayOutputStream();
    try (var out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(v);
    }
    OutputValidator back =
        (OutputValidator)
            new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))
                .readObject();
    assertThat(back.check("3").valid()).isTrue();
    assertThat(back.check("3.5").valid()).isFalse();
  }
}
