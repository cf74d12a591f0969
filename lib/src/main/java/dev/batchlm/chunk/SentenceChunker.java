package dev.batchlm.chunk;

import java.text.BreakIterator;
import java.util.List;
import java.util.Locale;

/**
 * Packs whole sentences into chunks up to the size, with overlap in whole sentences. Sentence
 * boundaries come from the JDK's {@link BreakIterator} (Unicode UAX #29 rules, as ICU). A sentence
 * longer than the size is split with {@link RecursiveChunker} first.
 */
public final class SentenceChunker implements Chunker {
  private final int size;
  private final int overlap;
  private final Unit unit;
  private final TokenCounter tokens;
  private final Length length;
  private final RecursiveChunker longSentences;

  SentenceChunker(int size, int overlap, Unit unit, TokenCounter tokens) {
    Chunkers.checkSizes(size, overlap);
    this.size = size;
    this.overlap = overlap;
    this.unit = unit;
    this.tokens = tokens;
    this.length = Length.of(unit, tokens);
    this.longSentences =
        new RecursiveChunker(
            size, overlap, Chunkers.DEFAULT_SEPARATORS, RecursiveChunker.Keep.START, unit, tokens);
  }

  @Override
  public List<Chunk> chunk(String text) {
    // BreakIterator instances are not thread-safe: one per call.
    BreakIterator sentences = BreakIterator.getSentenceInstance(Locale.ROOT);
    sentences.setText(text);
    Spans pieces = new Spans();
    int start = sentences.first();
    for (int end = sentences.next(); end != BreakIterator.DONE; end = sentences.next()) {
      if (length.of(text, start, end) > size) {
        longSentences.split(text, start, end, 0, pieces);
      } else {
        pieces.add(start, end);
      }
      start = end;
    }
    int[] lengths = new int[pieces.size()];
    for (int i = 0; i < pieces.size(); i++) {
      lengths[i] = length.of(text, pieces.start(i), pieces.end(i));
    }
    Spans out = new Spans();
    new SpanMerger(size, overlap).merge(text, pieces, lengths, 0, out);
    return ChunkAssembler.assemble(text, out, null, tokens);
  }

  @Override
  public String strategy() {
    return String.format(
        Locale.ROOT,
        "sentence(size=%d,overlap=%d,unit=%s%s)",
        size,
        overlap,
        unit.name().toLowerCase(Locale.ROOT),
        unit == Unit.TOKENS ? ",tokenizer=" + tokens.id() : "");
  }
}
