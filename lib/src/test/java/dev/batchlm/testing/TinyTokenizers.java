package dev.batchlm.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes small BERT-style WordPiece {@code tokenizer.json} files (the Hugging Face format): special
 * tokens, the given words, and every character of them also as a {@code ##} continuation, so that
 * any word made of known characters tokenizes without {@code [UNK]}.
 */
public final class TinyTokenizers {
  public static final List<String> SPECIALS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

  private TinyTokenizers() {}

  public static Path wordPiece(Path dir, Collection<String> words, boolean lowercase)
      throws IOException {
    Set<String> vocab = new LinkedHashSet<>(SPECIALS);
    Set<String> chars = new LinkedHashSet<>();
    for (String w : words) {
      String word = lowercase ? w.toLowerCase(java.util.Locale.ROOT) : w;
      vocab.add(word);
      word.codePoints().forEach(c -> chars.add(new String(Character.toChars(c))));
    }
    for (String c : chars) {
      vocab.add(c);
    }
    for (String c : chars) {
      vocab.add("##" + c);
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    int id = 0;
    for (String s : SPECIALS) {
      ObjectNode t = added.addObject();
      t.put("id", id++);
      t.put("content", s);
      t.put("single_word", false);
      t.put("lstrip", false);
      t.put("rstrip", false);
      t.put("normalized", false);
      t.put("special", true);
    }
    ObjectNode normalizer = root.putObject("normalizer");
    normalizer.put("type", "BertNormalizer");
    normalizer.put("clean_text", true);
    normalizer.put("handle_chinese_chars", true);
    normalizer.putNull("strip_accents");
    normalizer.put("lowercase", lowercase);
    root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
    ObjectNode post = root.putObject("post_processor");
    post.put("type", "TemplateProcessing");
    ArrayNode single = post.putArray("single");
    single.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
    single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    single.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
    ArrayNode pair = post.putArray("pair");
    pair.addObject().putObject("SpecialToken").put("id", "[CLS]").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
    pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 0);
    pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
    pair.addObject().putObject("SpecialToken").put("id", "[SEP]").put("type_id", 1);
    ObjectNode specialTokens = post.putObject("special_tokens");
    for (String s : List.of("[CLS]", "[SEP]")) {
      ObjectNode t = specialTokens.putObject(s);
      t.put("id", s);
      t.putArray("ids").add(SPECIALS.indexOf(s));
      t.putArray("tokens").add(s);
    }
    ObjectNode decoder = root.putObject("decoder");
    decoder.put("type", "WordPiece");
    decoder.put("prefix", "##");
    decoder.put("cleanup", true);
    ObjectNode model = root.putObject("model");
    model.put("type", "WordPiece");
    model.put("unk_token", "[UNK]");
    model.put("continuing_subword_prefix", "##");
    model.put("max_input_chars_per_word", 100);
    ObjectNode v = model.putObject("vocab");
    int i = 0;
    for (String t : vocab) {
      v.put(t, i++);
    }
    Files.createDirectories(dir);
    Path file = dir.resolve("tokenizer.json");
    json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    return file;
  }
}
