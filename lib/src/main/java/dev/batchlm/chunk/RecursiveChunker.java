package dev.batchlm.chunk;

import java.util.List;
import java.util.Locale;

/**
 * Recursive splitting by a separator hierarchy, with the semantics of LangChain's {@code
 * RecursiveCharacterTextSplitter}: split on the first separator that occurs, keep pieces shorter
 * than the size, split longer pieces again with the remaining separators, then merge neighbours up
 * to the size with overlap ({@link SpanMerger}). The empty separator splits into code points, so
 * with the default separators no chunk exceeds the size in character mode.
 *
 * <p>Two deliberate differences, both so that every chunk is an exact substring of the document: a
 * chunk is the document span from its first to its last piece (LangChain rejoins pieces with the
 * separator, which differs when separators repeat), and with {@code keep=none} empty pieces between
 * repeated separators are kept as zero-length pieces so their separators count towards the size.
 */
public final class RecursiveChunker implements Chunker {
  /** Where a separator goes when text is split on it (LangChain's {@code keep_separator}). */
  public enum Keep {
    START,
    END,
    NONE
  }

  private final int size;
  private final int overlap;
  private final List<String> separators;
  private final Keep keep;
  private final Unit unit;
  private final TokenCounter tokens;
  private final Length length;
  private final SpanMerger merger;

  RecursiveChunker(
      int size, int overlap, List<String> separators, Keep keep, Unit unit, TokenCounter tokens) {
    Chunkers.checkSizes(size, overlap, true);
    if (separators.isEmpty()) {
      throw new IllegalArgumentException(
          "chunk.separators is empty: give at least one, e.g. [\"\"]");
    }
    this.size = size;
    this.overlap = overlap;
    this.separators = List.copyOf(separators);
    this.keep = keep;
    this.unit = unit;
    this.tokens = tokens;
    this.length = Length.of(unit, tokens);
    this.merger = new SpanMerger(size, overlap);
  }

  @Override
  public List<Chunk> chunk(String text) {
    Spans out = new Spans();
    split(text, 0, text.length(), 0, out);
    return ChunkAssembler.assemble(text, out, null, tokens);
  }

  @Override
  public String strategy() {
    StringBuilder seps = new StringBuilder();
    for (String s : separators) {
      seps.append(seps.length() == 0 ? "" : ",").append('"').append(escape(s)).append('"');
    }
    return String.format(
        Locale.ROOT,
        "recursive(size=%d,overlap=%d,unit=%s%s,separators=[%s],keep=%s)",
        size,
        overlap,
        unit.name().toLowerCase(Locale.ROOT),
        tokens != null ? ",tokenizer=" + tokens.id() : "",
        seps,
        keep.name().toLowerCase(Locale.ROOT));
  }

  /**
   * Appends the chunks of {@code text[start, end)} to {@code out}, starting at separator {@code
   * from}.
   */
  void split(String text, int start, int end, int from, Spans out) {
    int chosen = separators.size() - 1;
    int nextFrom = separators.size(); // no separators left to recurse with
    for (int i = from; i < separators.size(); i++) {
      String s = separators.get(i);
      if (s.isEmpty()) {
        chosen = i;
        break;
      }
      int at = text.indexOf(s, start);
      if (at >= 0 && at + s.length() <= end) {
        chosen = i;
        nextFrom = i + 1;
        break;
      }
    }
    String separator = separators.get(chosen);
    Spans pieces = pieces(text, start, end, separator);
    int separatorLength =
        keep == Keep.NONE && !separator.isEmpty() ? length.of(separator, 0, separator.length()) : 0;

    Spans good = new Spans();
    int[] goodLengths = new int[Math.max(1, pieces.size())];
    for (int p = 0; p < pieces.size(); p++) {
      int ps = pieces.start(p);
      int pe = pieces.end(p);
      int len = length.of(text, ps, pe);
      if (len < size) {
        goodLengths[good.size()] = len;
        good.add(ps, pe);
      } else {
        if (good.size() > 0) {
          merger.merge(text, good, goodLengths, separatorLength, out);
          good.clear();
        }
        if (nextFrom >= separators.size()) {
          SpanMerger.emit(text, ps, pe, out);
        } else {
          split(text, ps, pe, nextFrom, out);
        }
      }
    }
    if (good.size() > 0) {
      merger.merge(text, good, goodLengths, separatorLength, out);
    }
  }

  private Spans pieces(String text, int start, int end, String separator) {
    Spans pieces = new Spans();
    if (separator.isEmpty()) {
      for (int i = start; i < end; ) {
        int next = i + Character.charCount(text.codePointAt(i));
        pieces.add(i, next);
        i = next;
      }
      return pieces;
    }
    int len = separator.length();
    int cur = start;
    for (int at = text.indexOf(separator, start);
        at >= 0 && at + len <= end;
        at = text.indexOf(separator, at + len)) {
      switch (keep) {
        case START -> {
          if (at > cur) {
            pieces.add(cur, at);
          }
          cur = at;
        }
        case END -> {
          pieces.add(cur, at + len);
          cur = at + len;
        }
        case NONE -> {
          pieces.add(cur, at);
          cur = at + len;
        }
        default -> throw new IllegalStateException(keep.name());
      }
    }
    if (end > cur || keep == Keep.NONE) {
      pieces.add(cur, end);
    }
    return pieces;
  }

  static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\"", "\\\"");
  }
}
