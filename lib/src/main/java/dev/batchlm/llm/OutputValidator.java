package dev.batchlm.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.batchlm.config.ConfigException;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks a model's output: against a JSON Schema (draft 2020-12 unless the schema's {@code $schema}
 * says otherwise; via networknt json-schema-validator), a regular expression the whole output must
 * match, or a set of allowed values. JSON may come wrapped in one Markdown code fence, as models
 * like to; the JSON inside is what is validated and kept. The schema itself is checked against its
 * meta-schema when the validator is built, so a broken schema fails the run before any call.
 * Thread-safe; serializable (rebuilt lazily on executors).
 */
public final class OutputValidator implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final Pattern FENCE =
      Pattern.compile("^\\s*```[a-zA-Z]*\\s*\\n(.*?)\\n\\s*```\\s*$", Pattern.DOTALL);

  private final String schemaText;
  private final String regex;
  private final List<String> allowed;
  private transient Schema schema;
  private transient Pattern pattern;

  /** The verdict on one output; {@code json} is the parsed JSON (compact) when a schema applies. */
  public record Verdict(boolean valid, String error, String json) {}

  /**
   * @param schema a JSON Schema, or null
   * @param regex a pattern the whole output must match, or empty
   * @param allowed allowed outputs (trimmed, exact), or empty
   * @param origin where these came from, for errors
   */
  public OutputValidator(JsonNode schema, String regex, List<String> allowed, String origin) {
    this.schemaText = schema == null ? null : schema.toString();
    this.regex = regex == null ? "" : regex;
    this.allowed = List.copyOf(allowed);
    if (schema != null) {
      if (!schema.isObject() && !schema.isBoolean()) {
        throw new ConfigException(origin + ": the schema is not a JSON object");
      }
      String dialect =
          schema.path("$schema").asText("https://json-schema.org/draft/2020-12/schema");
      List<Error> errors;
      try {
        errors = registry().getSchema(SchemaLocation.of(dialect)).validate(schema);
      } catch (RuntimeException e) {
        throw new ConfigException(
            origin + ": cannot check the schema against " + dialect + ": " + e.getMessage(), e);
      }
      if (!errors.isEmpty()) {
        throw new ConfigException(
            origin + ": not a valid JSON Schema (" + dialect + "): " + describe(errors));
      }
      schema();
    }
    if (!this.regex.isEmpty()) {
      try {
        pattern();
      } catch (java.util.regex.PatternSyntaxException e) {
        throw new ConfigException(origin + ": invalid regex: " + e.getDescription(), e);
      }
    }
  }

  public static OutputValidator none() {
    return new OutputValidator(null, "", List.of(), "none");
  }

  public boolean checksJson() {
    return schemaText != null;
  }

  public Verdict check(String output) {
    String text = output == null ? "" : output;
    String json = null;
    if (schemaText != null) {
      Matcher fenced = FENCE.matcher(text);
      String body = fenced.matches() ? fenced.group(1) : text;
      JsonNode node;
      try {
        node = JSON.readTree(body);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        return new Verdict(false, "not JSON: " + e.getOriginalMessage(), null);
      }
      if (node == null) {
        return new Verdict(false, "not JSON: empty output", null);
      }
      json = node.toString();
      List<Error> errors = schema().validate(node);
      if (!errors.isEmpty()) {
        return new Verdict(false, "JSON does not match the schema: " + describe(errors), json);
      }
    }
    if (!regex.isEmpty() && !pattern().matcher(text.strip()).matches()) {
      return new Verdict(false, "does not match the pattern " + regex, json);
    }
    if (!allowed.isEmpty() && !allowed.contains(text.strip())) {
      return new Verdict(false, "not one of the allowed values " + allowed, json);
    }
    return new Verdict(true, null, json);
  }

  private Schema schema() {
    if (schema == null) {
      try {
        schema = registry().getSchema(JSON.readTree(schemaText));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return schema;
  }

  private Pattern pattern() {
    if (pattern == null) {
      pattern = Pattern.compile(regex, Pattern.DOTALL);
    }
    return pattern;
  }

  private static SchemaRegistry registry() {
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  }

  private static String describe(List<Error> errors) {
    return errors.stream().limit(5).map(Error::toString).collect(Collectors.joining("; "))
        + (errors.size() > 5 ? "; and " + (errors.size() - 5) + " more" : "");
  }
}
