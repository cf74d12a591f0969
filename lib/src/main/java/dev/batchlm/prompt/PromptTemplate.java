package dev.batchlm.prompt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.batchlm.config.BatchConfig;
import dev.batchlm.config.ConfigException;
import dev.batchlm.config.Resources;
import dev.batchlm.doc.ContentHash;
import dev.batchlm.llm.ChatMessage;
import dev.batchlm.llm.OutputValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A versioned prompt: a folder (any Hadoop path) holding {@code user.txt} (required; the user
 * message with {@code {{name}}} variables), and optionally {@code system.txt}, {@code
 * examples.jsonl} (few-shot pairs, one {@code {"user": ..., "assistant": ...}} per line), {@code
 * schema.json} (the JSON Schema the output must follow) and {@code prompt.conf} ({@code params {
 * temperature = 0, max_tokens = 256 }}, {@code validate { regex = "...", enum = [...] }}). The
 * version is the SHA-256 of every file's name and content, so any edit is a new version.
 *
 * <p>Variables are plain substitution, no logic: a template's meaning is its text. A variable that
 * a row does not supply is an error for that row ({@link MissingVariable}), never an empty string.
 */
public record PromptTemplate(
    String name,
    String version,
    String system,
    String user,
    List<ChatMessage> examples,
    ObjectNode params,
    JsonNode schema,
    String regex,
    List<String> allowed)
    implements Serializable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*([A-Za-z_][\\w.-]*)\\s*}}");
  private static final Set<String> FILES =
      Set.of("user.txt", "system.txt", "examples.jsonl", "schema.json", "prompt.conf", "README.md");

  /** A row lacks a variable the template uses. */
  public static final class MissingVariable extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    MissingVariable(String message) {
      super(message);
    }
  }

  /** The prompt in {@code folder}: {@code bundled:prompts/NAME} or any Hadoop path. */
  public static PromptTemplate load(String folder, Configuration conf) {
    if (Resources.isBundled(folder)) {
      if (!Resources.folderExists(folder, "user.txt", conf)) {
        throw new ConfigException(
            "Prompt folder "
                + folder
                + " is not bundled (conf/prompts/ in the repository): name a bundled prompt or"
                + " set infer.prompts-dir to your prompts' folder");
      }
      Map<String, String> files = new TreeMap<>();
      for (String file : FILES) {
        Resources.readIfExists(Resources.child(folder, file), conf, "prompt file")
            .ifPresent(text -> files.put(file, text));
      }
      return of(Resources.name(folder), folder, files);
    }
    Path dir = new Path(folder);
    Map<String, String> files = new TreeMap<>();
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (!fs.exists(dir) || !fs.getFileStatus(dir).isDirectory()) {
        throw new ConfigException(
            "Prompt folder " + dir + " does not exist (it needs at least a user.txt)");
      }
      for (FileStatus st : fs.listStatus(dir)) {
        String file = st.getPath().getName();
        if (st.isDirectory() || file.startsWith(".")) {
          continue;
        }
        if (!FILES.contains(file)) {
          throw new ConfigException(
              "Prompt folder " + dir + ": unknown file " + file + " (known: " + FILES + ")");
        }
        try (InputStream in = fs.open(st.getPath())) {
          files.put(file, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      throw new ConfigException("Cannot read prompt folder " + dir + ": " + e.getMessage(), e);
    }
    return of(dir.getName(), dir.toString(), files);
  }

  /** A prompt from its files' contents (by file name); {@code origin} names it in errors. */
  public static PromptTemplate of(String name, String origin, Map<String, String> files) {
    if (!files.containsKey("user.txt")) {
      throw new ConfigException("Prompt " + origin + " has no user.txt");
    }
    StringBuilder identity = new StringBuilder();
    new TreeMap<>(files)
        .forEach((f, text) -> identity.append(f).append('\0').append(text).append('\0'));
    List<ChatMessage> examples = new ArrayList<>();
    String lines = files.getOrDefault("examples.jsonl", "");
    int lineNo = 0;
    for (String line : lines.split("\n")) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      try {
        JsonNode ex = JSON.readTree(line);
        if (!ex.path("user").isTextual() || !ex.path("assistant").isTextual()) {
          throw new ConfigException(
              origin + "/examples.jsonl line " + lineNo + ": needs \"user\" and \"assistant\"");
        }
        examples.add(ChatMessage.user(ex.get("user").asText()));
        examples.add(ChatMessage.assistant(ex.get("assistant").asText()));
      } catch (IOException e) {
        throw new ConfigException(
            origin + "/examples.jsonl line " + lineNo + ": not JSON: " + e.getMessage(), e);
      }
    }
    JsonNode schema = null;
    if (files.containsKey("schema.json")) {
      try {
        schema = JSON.readTree(files.get("schema.json"));
      } catch (IOException e) {
        throw new ConfigException(origin + "/schema.json is not JSON: " + e.getMessage(), e);
      }
    }
    ObjectNode params = JsonNodeFactory.instance.objectNode();
    String regex = "";
    List<String> allowed = List.of();
    if (files.containsKey("prompt.conf")) {
      Config c = BatchConfig.parseFile(origin + "/prompt.conf", files.get("prompt.conf")).config();
      for (String key : c.root().keySet()) {
        if (!List.of("params", "validate").contains(key)) {
          throw new ConfigException(
              origin + "/prompt.conf: unknown key '" + key + "' (known: params, validate)");
        }
      }
      if (c.hasPath("params")) {
        params = JSON.valueToTree(c.getObject("params").unwrapped());
      }
      if (c.hasPath("validate.regex")) {
        regex = c.getString("validate.regex");
      }
      if (c.hasPath("validate.enum")) {
        allowed = c.getStringList("validate.enum");
      }
    }
    PromptTemplate t =
        new PromptTemplate(
            name,
            ContentHash.sha256(identity.toString()).substring(0, 16),
            files.getOrDefault("system.txt", "").strip(),
            files.get("user.txt").strip(),
            examples,
            params,
            schema,
            regex,
            allowed);
    t.validator(origin); // a broken schema or regex fails here, before any call
    return t;
  }

  /** The variables the templates use, in order of first use. */
  public Set<String> variables() {
    Set<String> names = new LinkedHashSet<>();
    for (String text : List.of(system, user)) {
      Matcher m = VARIABLE.matcher(text);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** The messages for one row: system, the examples, then the user message. */
  public List<ChatMessage> render(Map<String, String> vars) {
    List<ChatMessage> out = new ArrayList<>();
    if (!system.isEmpty()) {
      out.add(ChatMessage.system(fill(system, vars)));
    }
    out.addAll(examples);
    out.add(ChatMessage.user(fill(user, vars)));
    return out;
  }

  public OutputValidator validator(String origin) {
    return new OutputValidator(schema, regex, allowed, origin);
  }

  private static String fill(String text, Map<String, String> vars) {
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = vars.get(m.group(1));
      if (value == null) {
        throw new MissingVariable("missing variable '" + m.group(1) + "'");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
