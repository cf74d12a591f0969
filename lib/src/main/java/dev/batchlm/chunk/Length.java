package dev.batchlm.chunk;

/** The length of a UTF-16 span of a text, in the chunking unit. */
interface Length {
  int of(String text, int start, int end);

  static Length of(Unit unit, TokenCounter tokens) {
    return switch (unit) {
      case CHARS -> (text, start, end) -> Character.codePointCount(text, start, end);
      case TOKENS -> {
        if (tokens == null) {
          throw new IllegalArgumentException("unit=tokens needs a tokenizer (chunk.tokenizer)");
        }
        yield (text, start, end) -> tokens.count(text.substring(start, end));
      }
    };
  }
}
