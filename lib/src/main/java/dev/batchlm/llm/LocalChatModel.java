package dev.batchlm.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.Generator;
import dev.batchlm.nn.LlamaConfig;
import dev.batchlm.nn.LlamaDecoder;
import dev.batchlm.nn.LoraAdapter;
import dev.batchlm.nn.Sampler;
import dev.batchlm.tokenizer.ChatTemplate;
import dev.batchlm.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A LLaMA-family checkpoint folder run in this JVM ({@link LlamaDecoder} on ND4J): messages
 * rendered with the checkpoint's chat template, tokenized with its {@code tokenizer.json},
 * generated with its end-of-sequence tokens and the request's {@code max_tokens}, {@code
 * temperature} (default 0: greedy), {@code top_k}, {@code top_p}, {@code seed} (default 0, so a
 * sampled answer is reproducible) and {@code stop} strings. Token counts are exact. A prompt that
 * does not fit the context window is a {@link LlmException.ContextLength}, so a router can fall
 * back to a longer-context route, unless {@link Options#truncatePrompts} keeps its end instead.
 * Concurrent calls are decoded together ({@link Generator}: continuous batching over {@link
 * Options#batch} slots). Load one instance per checkpoint, options and device in a JVM (the infer
 * job keeps it in the executor's cache); thread-safe.
 */
public final class LocalChatModel implements ChatModel {
  public static final String FAMILY = "local";

  private final String model;
  private final Generator generator;
  private final HfTokenizer tokenizer;
  private final ChatTemplate template;
  private final Set<Integer> stopTokens = new HashSet<>();
  private final long defaultMaxTokens;
  private final Options options;

  /**
   * How the checkpoint runs.
   *
   * @param batch sequences decoded together (KV-cache slots)
   * @param maxLength tokens per sequence, prompt and answer (capped by the context window): the
   *     cache holds {@code batch × maxLength} tokens per layer
   * @param truncatePrompts a prompt too long keeps its last tokens (leaving room for the answer)
   *     instead of failing its row
   */
  public record Options(int batch, int maxLength, boolean truncatePrompts)
      implements java.io.Serializable {
    public static final Options DEFAULT = new Options(8, 4096, false);
  }

  public LocalChatModel(Path checkpoint, long defaultMaxTokens, Options options) {
    this(checkpoint, null, defaultMaxTokens, options);
  }

  /**
   * The checkpoint with a LoRA adapter folder (PEFT's layout) merged into its weights at load;
   * null: the base model. Merged rather than applied per token: the adapter then costs nothing per
   * answer; each adapter holds its own copy of the weights.
   */
  public LocalChatModel(Path checkpoint, Path adapter, long defaultMaxTokens, Options options) {
    this.model = checkpoint.getFileName().toString();
    this.defaultMaxTokens = defaultMaxTokens;
    this.options = options;
    try (Checkpoint c = Checkpoint.open(checkpoint)) {
      LlamaDecoder decoder =
          adapter == null
              ? new LlamaDecoder(c)
              : new LlamaDecoder(
                  c,
                  LoraAdapter.read(
                      adapter,
                      LlamaConfig.from(c.config(), checkpoint.resolve("config.json").toString())));
      this.generator = new Generator(decoder, options.batch(), options.maxLength());
      JsonNode eos = c.config().path("eos_token_id");
      if (eos.isArray()) {
        eos.forEach(e -> stopTokens.add(e.asInt()));
      } else if (eos.canConvertToInt()) {
        stopTokens.add(eos.asInt());
      }
    }
    this.tokenizer = HfTokenizer.fromFile(checkpoint.resolve("tokenizer.json"));
    this.template = ChatTemplate.load(checkpoint);
    long eosId = tokenizer.tokenId(template.eosToken());
    if (eosId >= 0) {
      stopTokens.add((int) eosId);
    }
  }

  @Override
  public String family() {
    return FAMILY;
  }

  @Override
  public String model() {
    return model;
  }

  @Override
  public ChatResponse chat(ChatRequest request) {
    List<Map<String, String>> messages = new ArrayList<>();
    request.messages().forEach(m -> messages.add(Map.of("role", m.role(), "content", m.content())));
    String prompt;
    try {
      prompt = template.render(messages, true);
    } catch (IllegalArgumentException e) {
      throw new LlmException.NonRetriable(model + ": " + e.getMessage(), 400, e);
    }
    long[] ids = tokenizer.ids(prompt);
    int maxTokens = (int) request.maxTokens(defaultMaxTokens);
    int window = generator.maxLength();
    int keep = ids.length;
    if (options.truncatePrompts() && ids.length >= window) {
      keep = window - Math.max(1, Math.min(maxTokens, window / 2)); // the end holds the question
    }
    int[] promptIds = new int[keep];
    for (int i = 0; i < keep; i++) {
      promptIds[i] = (int) ids[ids.length - keep + i];
    }
    ObjectNode p = request.params();
    Sampler.Settings sampling =
        new Sampler.Settings(
            p.path("temperature").asDouble(0),
            p.path("top_k").asInt(0),
            p.path("top_p").asDouble(1),
            p.path("seed").asLong(0));
    List<String> stops = new ArrayList<>();
    JsonNode stop = p.get("stop");
    if (stop != null && stop.isArray()) {
      stop.forEach(s -> stops.add(s.asText()));
    } else if (stop != null && stop.isTextual()) {
      stops.add(stop.asText());
    }
    Generator.Output out;
    try {
      out =
          generator.generate(
              promptIds,
              maxTokens,
              sampling,
              stopTokens,
              soFar -> !stops.isEmpty() && firstStop(text(soFar), stops) >= 0);
    } catch (IllegalArgumentException e) {
      throw new LlmException.ContextLength(model + ": " + e.getMessage(), 400, e);
    }
    String text = text(out.tokens());
    int cut = firstStop(text, stops);
    if (cut >= 0) {
      text = text.substring(0, cut);
    }
    ObjectNode raw = JsonNodeFactory.instance.objectNode();
    raw.put("model", model).put("text", text).put("finish_reason", out.finishReason());
    if (keep < ids.length) {
      raw.put("truncated_prompt_tokens", ids.length - keep);
    }
    raw.putObject("usage")
        .put("prompt_tokens", out.promptTokens())
        .put("completion_tokens", out.completionTokens());
    return new ChatResponse(
        text,
        out.finishReason(),
        new TokenUsage(out.promptTokens(), out.completionTokens(), 0, 0),
        raw.toString(),
        out.deviceNanos() / 1e6);
  }

  private String text(int[] tokens) {
    long[] ids = new long[tokens.length];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = tokens[i];
    }
    return tokenizer.decode(ids);
  }

  private static int firstStop(String text, List<String> stops) {
    int first = -1;
    for (String s : stops) {
      int at = text.indexOf(s);
      if (at >= 0 && (first < 0 || at < first)) {
        first = at;
      }
    }
    return first;
  }
}
