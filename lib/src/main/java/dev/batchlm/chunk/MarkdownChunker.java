package dev.batchlm.chunk;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits markdown on ATX headers ({@code #} to {@code ######}, outside fenced code blocks) into
 * sections, records each section's header path ({@code "Guide > Install > Linux"}) in {@link
 * Chunk#section()}, then chunks inside each section with {@link RecursiveChunker}. A chunk never
 * spans two sections; a section's chunks include its header line.
 */
public final class MarkdownChunker implements Chunker {
  private final RecursiveChunker inner;
  private final TokenCounter tokens;

  MarkdownChunker(RecursiveChunker inner, TokenCounter tokens) {
    this.inner = inner;
    this.tokens = tokens;
  }

  @Override
  public List<Chunk> chunk(String text) {
    List<Chunk> chunks = new ArrayList<>();
    List<String> path = new ArrayList<>(); // path.get(level - 1) = current header of that level
    int sectionStart = 0;
    String section = null;
    boolean inFence = false;
    String fence = null;
    for (int lineStart = 0; lineStart < text.length(); ) {
      int nl = text.indexOf('\n', lineStart);
      int lineEnd = nl < 0 ? text.length() : nl;
      String line = text.substring(lineStart, lineEnd);
      String trimmed = line.stripLeading();
      if (trimmed.startsWith("```") || trimmed.startsWith("~~~")) {
        String marker = trimmed.substring(0, 3);
        if (!inFence) {
          inFence = true;
          fence = marker;
        } else if (marker.equals(fence)) {
          inFence = false;
        }
      } else if (!inFence && line.length() - trimmed.length() < 4) {
        int level = headerLevel(trimmed);
        if (level > 0) {
          addSection(text, sectionStart, lineStart, section, chunks);
          while (path.size() >= level) {
            path.remove(path.size() - 1);
          }
          while (path.size() < level - 1) {
            path.add("");
          }
          path.add(trimmed.substring(level).strip().replaceAll("\\s+#+$", ""));
          section = String.join(" > ", path.stream().filter(h -> !h.isEmpty()).toList());
          sectionStart = lineStart;
        }
      }
      lineStart = lineEnd + 1;
    }
    addSection(text, sectionStart, text.length(), section, chunks);
    return chunks;
  }

  private void addSection(String text, int start, int end, String section, List<Chunk> chunks) {
    if (start >= end) {
      return;
    }
    Spans spans = new Spans();
    inner.split(text, start, end, 0, spans);
    ChunkAssembler.append(text, spans, i -> section, ChunkAssembler.counting(tokens), chunks);
  }

  /** 1..6 for an ATX header line ({@code "## Title"}), else 0. */
  static int headerLevel(String line) {
    int level = 0;
    while (level < line.length() && line.charAt(level) == '#') {
      level++;
    }
    if (level == 0 || level > 6) {
      return 0;
    }
    return level == line.length() || line.charAt(level) == ' ' || line.charAt(level) == '\t'
        ? level
        : 0;
  }

  @Override
  public String strategy() {
    return inner.strategy().replaceFirst("^recursive", "markdown");
  }
}
