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
    Chunkers.checkSizes(size, overlap, false);
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
    SpanMerger merger = new SpanMerger(size, overlap);
    Spans run = new Spans(); // consecutive sentences that fit, merged together
    int[] lengths = new int[16];
    Spans out = new Spans();
    int start = sentences.first();
    for (int end = sentences.next(); end != BreakIterator.DONE; end = sentences.next()) {
      int len = length.of(text, start, end);
      if (len > size) {
        merger.merge(text, run, lengths, 0, out);
        run.clear();
        longSentences.split(text, start, end, 0, out);
      } else {
        if (run.size() == lengths.length) {
          lengths = java.util.Arrays.copyOf(lengths, lengths.length * 2);
        }
        lengths[run.size()] = len;
        run.add(start, end);
      }
      start = end;
    }
    merger.merge(text, run, lengths, 0, out);
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
        tokens != null ? ",tokenizer=" + tokens.id() : "");
  }
}
