package dev.batchlm.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint's chat template: the Jinja {@code chat_template} of {@code tokenizer_config.json},
 * rendered with Jinjava as Hugging Face's {@code apply_chat_template} renders it (the messages as
 * {@code role}/{@code content} maps, {@code add_generation_prompt}, the declared {@code bos_token}
 * and {@code eos_token}, and {@code raise_exception}). Thread-safe.
 */
public final class ChatTemplate {
  private final String template;
  private final String bos;
  private final String eos;
  private final String source;
  private final Jinjava jinja;

  /** One exception a template raises on purpose ("roles must alternate ..."). */
  public static final class TemplateException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    TemplateException(String message) {
      super(message);
    }
  }

  private ChatTemplate(String template, String bos, String eos, String source) {
    this.template = template;
    this.bos = bos;
    this.eos = eos;
    this.source = source;
    this.jinja = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(false).build());
    jinja
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raise", String.class));
  }

  // Jinjava reports a function's exception without it: the message is kept here for render()
  private static final ThreadLocal<String> RAISED = new ThreadLocal<>();

  public static Object raise(String message) {
    RAISED.set(message);
    throw new TemplateException(message);
  }

  /**
   * Reads the chat template of a checkpoint folder: {@code chat_template.jinja} where present (as
   * transformers writes it since 4.5x), else {@code chat_template} in {@code
   * tokenizer_config.json}; BOS and EOS tokens from {@code tokenizer_config.json}.
   */
  public static ChatTemplate load(Path checkpoint) {
    Path file = checkpoint.resolve("tokenizer_config.json");
    Path jinja = checkpoint.resolve("chat_template.jinja");
    try {
      JsonNode c = new ObjectMapper().readTree(Files.readString(file));
      if (Files.exists(jinja)) {
        return new ChatTemplate(
            Files.readString(jinja),
            token(c.path("bos_token")),
            token(c.path("eos_token")),
            jinja.toString());
      }
      JsonNode t = c.path("chat_template");
      if (t.isArray()) { // a list of named templates: the "default" one
        for (JsonNode named : t) {
          if (named.path("name").asText().equals("default")) {
            t = named.path("template");
          }
        }
      }
      if (!t.isTextual()) {
        throw new IllegalArgumentException(
            file + ": no chat_template (a base model without one cannot take chat messages)");
      }
      return new ChatTemplate(
          t.asText(), token(c.path("bos_token")), token(c.path("eos_token")), file.toString());
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static String token(JsonNode n) {
    return n.isTextual() ? n.asText() : n.path("content").asText("");
  }

  public String eosToken() {
    return eos;
  }

  /** The prompt text for {@code messages} (each with "role" and "content"). */
  public String render(List<Map<String, String>> messages, boolean addGenerationPrompt) {
    Map<String, Object> context = new HashMap<>();
    List<Map<String, Object>> list = new ArrayList<>();
    messages.forEach(m -> list.add(new LinkedHashMap<>(m)));
    context.put("messages", list);
    context.put("add_generation_prompt", addGenerationPrompt);
    context.put("bos_token", bos);
    context.put("eos_token", eos);
    RAISED.remove();
    RenderResult r = jinja.renderForResult(template, context);
    if (!r.getErrors().isEmpty()) {
      String raised = RAISED.get();
      RAISED.remove();
      if (raised != null) { // the template's own verdict on the messages
        throw new TemplateException(source + ": chat_template: " + raised);
      }
      throw new IllegalArgumentException(
          source + ": chat_template: " + r.getErrors().get(0).getMessage());
    }
    return r.getOutput();
  }
}
