package dev.batchlm.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchlm.chunk.TokenCounter;
import dev.batchlm.doc.ContentHash;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's binding of the Rust {@code tokenizers}
 * library: the same tokens as the Python library. No truncation, no padding, no special tokens in
 * counts and offsets. Thread-safe: encoding only reads the native tokenizer, so one instance per
 * executor JVM serves all its tasks. Its {@link #id()} is a hash of the file, so a changed
 * tokenizer changes the strategy string and so the chunk ids.
 */
public final class HfTokenizer implements TokenCounter, AutoCloseable {
  private static final Set<String> CHARACTER_NORMALIZERS =
      Set.of("BertNormalizer", "Lowercase", "NFC", "NFD", "NFKC", "NFKD", "StripAccents");
  private static final Set<String> WHITESPACE_PRE_TOKENIZERS =
      Set.of("BertPreTokenizer", "Whitespace", "WhitespaceSplit");

  private final HuggingFaceTokenizer tokenizer;
  private final String id;
  private final boolean splitsAtWhitespace;

  private HfTokenizer(HuggingFaceTokenizer tokenizer, String id, boolean splitsAtWhitespace) {
    this.tokenizer = tokenizer;
    this.id = id;
    this.splitsAtWhitespace = splitsAtWhitespace;
  }

  /** Loads a local tokenizer.json; the error names the file. */
  public static HfTokenizer fromFile(Path tokenizerJson) {
    try {
      byte[] bytes = Files.readAllBytes(tokenizerJson);
      HuggingFaceTokenizer t =
          HuggingFaceTokenizer.builder()
              .optTokenizerPath(tokenizerJson)
              .optAddSpecialTokens(false)
              .optTruncation(false)
              .optPadding(false)
              .build();
      return new HfTokenizer(
          t,
          ContentHash.sha256(bytes).substring(0, 12),
          splitsAtWhitespace(new ObjectMapper().readTree(bytes)));
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "Cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
    }
  }

  public long[] ids(String text) {
    return tokenizer.encode(text, false, false).getIds();
  }

  /** The text of {@code ids}, special tokens left out. */
  public String decode(long[] ids) {
    return tokenizer.decode(ids, true);
  }

  /** The id of a token (a special token's text, e.g. {@code <|im_end|>}), or -1. */
  public long tokenId(String token) {
    long[] ids = ids(token);
    return ids.length == 1 ? ids[0] : -1;
  }

  /**
   * A text pair as a cross-encoder sees it (BERT: {@code [CLS] a [SEP] b [SEP]}): {@code result[0]}
   * the ids, {@code result[1]} the token type ids (1 for the second text).
   */
  public long[][] pairWithSpecialTokens(String a, String b) {
    Encoding e = tokenizer.encode(a, b, true, false);
    return new long[][] {e.getIds(), e.getTypeIds()};
  }

  /**
   * Ids with the tokenizer's special tokens (BERT: {@code [CLS] ... [SEP]}), as a model sees them.
   */
  public long[] idsWithSpecialTokens(String text) {
    return tokenizer.encode(text, true, false).getIds();
  }

  @Override
  public int count(String text) {
    return text.isEmpty() ? 0 : ids(text).length;
  }

  @Override
  public int[][] offsets(String text) {
    Encoding encoding = tokenizer.encode(text, false, false);
    CharSpan[] spans = encoding.getCharTokenSpans();
    int n = spans.length;
    int[] starts = new int[n];
    int[] ends = new int[n];
    // The native library reports offsets in code points; chunkers work in UTF-16 indices.
    int[] utf16 = utf16Index(text);
    for (int i = 0; i < n; i++) {
      starts[i] = utf16[spans[i].getStart()];
      ends[i] = utf16[spans[i].getEnd()];
    }
    return new int[][] {starts, ends};
  }

  /** {@code result[cp]} is the UTF-16 index of code point {@code cp}; one past the end included. */
  private static int[] utf16Index(String text) {
    int[] index = new int[text.codePointCount(0, text.length()) + 1];
    int cp = 0;
    for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
      index[cp++] = i;
    }
    index[cp] = text.length();
    return index;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public boolean splitsAtWhitespace() {
    return splitsAtWhitespace;
  }

  /**
   * Reads a tokenizer.json's pipeline: true when its normalizers work character by character, its
   * pre-tokenizers split at whitespace (and punctuation), and no added token contains whitespace.
   */
  static boolean splitsAtWhitespace(JsonNode json) {
    for (JsonNode added : json.path("added_tokens")) {
      if (added.path("content").asText().chars().anyMatch(Character::isWhitespace)) {
        return false;
      }
    }
    return all(json.path("normalizer"), CHARACTER_NORMALIZERS, "normalizers", true)
        && all(json.path("pre_tokenizer"), WHITESPACE_PRE_TOKENIZERS, "pretokenizers", false);
  }

  private static boolean all(JsonNode step, Set<String> allowed, String listField, boolean nullOk) {
    if (step.isMissingNode() || step.isNull()) {
      return nullOk;
    }
    String type = step.path("type").asText();
    if (type.equals("Sequence")) {
      for (JsonNode inner : step.path(listField)) {
        if (!all(inner, allowed, listField, false)) {
          return false;
        }
      }
      return step.path(listField).size() > 0;
    }
    return allowed.contains(type);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
