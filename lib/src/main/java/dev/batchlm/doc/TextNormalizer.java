package dev.batchlm.doc;

import java.text.Normalizer;

/**
 * Normalizes extracted text so that offsets and hashes are stable: Unicode NFC, {@code \r\n} and
 * {@code \r} to {@code \n}, form feed to {@code \n}, and other C0/C1 control characters and the
 * byte-order mark removed ({@code \t} and {@code \n} kept). Thread-safe (stateless).
 */
public final class TextNormalizer {
  private TextNormalizer() {}

  public static String normalize(String text) {
    String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
    StringBuilder out = new StringBuilder(nfc.length());
    int n = nfc.length();
    for (int i = 0; i < n; i++) {
      char c = nfc.charAt(i);
      if (c == '\r') {
        out.append('\n');
        if (i + 1 < n && nfc.charAt(i + 1) == '\n') {
          i++;
        }
      } else if (c == '\f') {
        out.append('\n');
      } else if (c == '\n' || c == '\t' || !isDroppedControl(c)) {
        out.append(c);
      }
    }
    return out.toString();
  }

  static boolean isDroppedControl(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\uFEFF';
  }

  /**
   * Share of characters in the raw extracted text that signal undecodable input: U+FFFD replacement
   * characters and control characters other than whitespace. Text files that are really binary, or
   * were decoded with the wrong charset, score high.
   */
  public static double undecodableRatio(String raw) {
    if (raw.isEmpty()) {
      return 0;
    }
    long bad = 0;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '\uFFFD'
          || (isDroppedControl(c)
              && c != '\r'
              && c != '\f'
              && c != '\t'
              && c != '\n'
              && c != '\uFEFF')) {
        bad++;
      }
    }
    return (double) bad / raw.length();
  }
}
