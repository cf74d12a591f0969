package dev.batchlm.doc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as lower-case hex: content hashes and stable ids. */
public final class ContentHash {
  private ContentHash() {}

  public static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(digest().digest(bytes));
  }

  public static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A stable id: the first {@code hexChars} hex digits of the SHA-256 of the parts joined by NUL.
   */
  public static String id(int hexChars, Object... parts) {
    MessageDigest md = digest();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        md.update((byte) 0);
      }
      md.update(String.valueOf(parts[i]).getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(md.digest()).substring(0, hexChars);
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
