package dev.batchlm.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.nn.BertEncoder;
import dev.batchlm.nn.Checkpoint;
import dev.batchlm.nn.CheckpointIdentity;
import dev.batchlm.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Embeddings from a local BERT-family checkpoint folder (config.json, safetensors, tokenizer.json,
 * and for sentence-transformers models modules.json and 1_Pooling/config.json). Texts are tokenized
 * with the checkpoint's tokenizer (its [CLS]/[SEP] template), sorted by length and cut into batches
 * padded to their longest text, so little compute goes to padding; the attention mask makes a
 * text's vector independent of its batch. Texts over the model's maximum length keep their first
 * tokens and the final [SEP], and are flagged truncated. Thread-safe (the encoder's weights are
 * read-only).
 */
public final class LocalEncoderEmbedder implements Embedder {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Settings that override what the checkpoint says; null/empty means "as the checkpoint says". */
  public record Options(
      String pooling, Boolean normalize, String prefix, int batchSize, int maxLength)
      implements java.io.Serializable {}

  private final BertEncoder encoder;
  private final HfTokenizer tokenizer;
  private final BertEncoder.Pooling pooling;
  private final boolean normalize;
  private final String prefix;
  private final int batchSize;
  private final int maxLength;
  private final ModelInfo info;

  public LocalEncoderEmbedder(Path modelDir, Options options) {
    try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
      this.encoder = new BertEncoder(checkpoint);
    }
    Path tokenizerFile = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(tokenizerFile)) {
      throw new IllegalArgumentException("Model folder " + modelDir + " has no tokenizer.json");
    }
    this.tokenizer = HfTokenizer.fromFile(tokenizerFile);
    String chosen =
        options.pooling() == null || options.pooling().isEmpty() || options.pooling().equals("auto")
            ? checkpointPooling(modelDir)
            : options.pooling();
    this.pooling = BertEncoder.Pooling.valueOf(chosen.toUpperCase(Locale.ROOT).replace('-', '_'));
    boolean checkpointNormalizes =
        readJson(modelDir.resolve("modules.json")).findValuesAsText("type").stream()
            .anyMatch(t -> t.endsWith(".Normalize"));
    this.normalize = options.normalize() == null ? checkpointNormalizes : options.normalize();
    this.prefix = options.prefix() == null ? "" : options.prefix();
    this.batchSize = options.batchSize();
    // sentence-transformers truncates at max_seq_length (256 for all-MiniLM-L6-v2), not at the
    // position table's size; embed.max-length overrides it up to that size
    int positions = encoder.config().maxPositions();
    int checkpointMax =
        readJson(modelDir.resolve("sentence_bert_config.json"))
            .path("max_seq_length")
            .asInt(positions);
    this.maxLength =
        Math.min(options.maxLength() > 0 ? options.maxLength() : checkpointMax, positions);
    String weightsHash =
        CheckpointIdentity.weightsSha256(
            modelDir.toUri().toString(), new org.apache.hadoop.conf.Configuration());
    this.info =
        new ModelInfo(
            CheckpointIdentity.id(modelDir.toUri().toString(), weightsHash),
            weightsHash,
            tokenizer.id(),
            encoder.config().hiddenSize(),
            pooling.name().toLowerCase(Locale.ROOT),
            normalize,
            settings(maxLength, pooling, normalize, prefix, tokenizer.id()));
  }

  @Override
  public ModelInfo info() {
    return info;
  }

  @Override
  public List<Embedding> embed(List<String> texts) {
    int n = texts.size();
    int[][] ids = new int[n][];
    boolean[] truncated = new boolean[n];
    for (int i = 0; i < n; i++) {
      long[] all = tokenizer.idsWithSpecialTokens(prefix + texts.get(i));
      if (all.length > maxLength) {
        truncated[i] = true;
        long last = all[all.length - 1];
        all = Arrays.copyOf(all, maxLength);
        all[maxLength - 1] = last; // keep the closing [SEP]
      }
      ids[i] = Arrays.stream(all).mapToInt(Math::toIntExact).toArray();
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    // longest first: the model's workspace takes its largest size once, on the first batch
    Arrays.sort(order, Comparator.comparingInt((Integer i) -> ids[i].length).reversed());
    Embedding[] out = new Embedding[n];
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      int len = ids[order[from]].length; // the bucket's longest text
      int[][] batch = new int[to - from][len];
      int[] lengths = new int[to - from];
      for (int j = from; j < to; j++) {
        int[] row = ids[order[j]];
        System.arraycopy(row, 0, batch[j - from], 0, row.length);
        lengths[j - from] = row.length;
      }
      float[][] vectors = encoder.embed(batch, lengths, pooling, normalize);
      for (int j = from; j < to; j++) {
        out[order[j]] = new Embedding(vectors[j - from], truncated[order[j]]);
      }
    }
    return new ArrayList<>(Arrays.asList(out));
  }

  /** Every setting besides the weights that changes a vector, in one canonical line. */
  static String settings(
      int maxLength, BertEncoder.Pooling pooling, boolean normalize, String prefix, String tok) {
    return "max_length="
        + maxLength
        + ",pooling="
        + pooling.name().toLowerCase(Locale.ROOT)
        + ",normalize="
        + normalize
        + ",prefix="
        + JSON.valueToTree(prefix)
        + ",tokenizer="
        + tok.substring(0, Math.min(12, tok.length()));
  }

  /** sentence-transformers modes this encoder computes, by their 1_Pooling/config.json flag. */
  private static final java.util.Map<String, String> POOLING_MODES =
      java.util.Map.of(
          "pooling_mode_cls_token", "cls",
          "pooling_mode_mean_tokens", "mean",
          "pooling_mode_max_tokens", "max",
          "pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len");

  /**
   * The pooling {@code 1_Pooling/config.json} turns on (mean without that file, as
   * sentence-transformers defaults); a mode this encoder does not compute, or several at once
   * (concatenated), is an error rather than a silently different vector.
   */
  private static String checkpointPooling(Path modelDir) {
    Path file = modelDir.resolve("1_Pooling").resolve("config.json");
    JsonNode config = readJson(file);
    if (config.isEmpty()) {
      return "mean";
    }
    List<String> on = new ArrayList<>();
    config
        .fields()
        .forEachRemaining(
            f -> {
              if (f.getKey().startsWith("pooling_mode_") && f.getValue().asBoolean(false)) {
                on.add(f.getKey());
              }
            });
    if (on.size() != 1 || !POOLING_MODES.containsKey(on.get(0))) {
      throw new IllegalArgumentException(
          file
              + " turns on "
              + on
              + ": batchlm computes exactly one of "
              + new java.util.TreeSet<>(POOLING_MODES.keySet())
              + "; set embed.pooling to override it");
    }
    return POOLING_MODES.get(on.get(0));
  }

  private static JsonNode readJson(Path file) {
    if (!Files.isRegularFile(file)) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot parse " + file + ": " + e.getMessage(), e);
    }
  }
}
