package dev.batchlm.monitor;

/** Text made safe inside HTML and SVG elements and attributes. */
public final class Html {
  private Html() {}

  public static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;")
        .replace("'", "&#39;");
  }
}
