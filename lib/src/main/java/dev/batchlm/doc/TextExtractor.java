package dev.batchlm.doc;

import dev.batchlm.doc.Problem.ErrorClass;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.apache.tika.config.TikaConfig;
import org.apache.tika.exception.EncryptedDocumentException;
import org.apache.tika.exception.TikaException;
import org.apache.tika.exception.WriteLimitReachedException;
import org.apache.tika.io.TikaInputStream;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.parser.AutoDetectParser;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.sax.BodyContentHandler;
import org.xml.sax.SAXException;

/**
 * Extracts plain text from file bytes with Apache Tika (every format Tika's standard parsers know:
 * md, txt, html, pdf, docx, ...), then normalizes it ({@link TextNormalizer}). Problems come back
 * as {@link Extraction.Rejected} with a reason, never as an exception. Thread-safe: Tika parsers
 * are stateless and each call gets its own handler and metadata, so one instance serves all tasks
 * of an executor.
 */
public final class TextExtractor {
  private final AutoDetectParser parser;
  private final int maxChars;
  private final double maxUndecodableRatio;

  public TextExtractor(int maxChars, double maxUndecodableRatio) {
    this.parser = new AutoDetectParser(TikaConfig.getDefaultConfig());
    this.maxChars = maxChars;
    this.maxUndecodableRatio = maxUndecodableRatio;
  }

  public Extraction extract(byte[] bytes, String fileName) {
    if (bytes.length == 0) {
      return Extraction.rejected(ErrorClass.EMPTY, "empty file (0 bytes): nothing to extract");
    }
    Metadata metadata = new Metadata();
    metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, fileName);
    MediaType type;
    try (InputStream in = TikaInputStream.get(new ByteArrayInputStream(bytes))) {
      type = parser.getDetector().detect(in, metadata);
    } catch (IOException e) {
      return Extraction.rejected(ErrorClass.UNREADABLE, "cannot detect type: " + e.getMessage());
    }
    String mime = type.getBaseType().toString();
    if (MediaType.OCTET_STREAM.equals(type.getBaseType())) {
      return Extraction.rejected(
          ErrorClass.UNSUPPORTED_TYPE,
          "binary or unknown file type (detected "
              + mime
              + "): no text to extract; remove it from the input");
    }
    BodyContentHandler handler = new BodyContentHandler(maxChars);
    try (InputStream in = TikaInputStream.get(new ByteArrayInputStream(bytes))) {
      parser.parse(in, handler, metadata, new ParseContext());
    } catch (EncryptedDocumentException e) {
      return Extraction.rejected(
          ErrorClass.ENCRYPTED, "encrypted " + mime + ": provide a decrypted copy to ingest it");
    } catch (SAXException e) {
      if (WriteLimitReachedException.isWriteLimitReached(e)) {
        return Extraction.rejected(
            ErrorClass.TOO_LARGE,
            "text longer than ingest.max-chars="
                + maxChars
                + " characters; raise the limit or split the file");
      }
      return Extraction.rejected(ErrorClass.CORRUPT, "cannot parse " + mime + ": " + describe(e));
    } catch (TikaException | IOException | RuntimeException e) {
      return Extraction.rejected(ErrorClass.CORRUPT, "cannot parse " + mime + ": " + describe(e));
    }
    String raw = handler.toString();
    double undecodable = TextNormalizer.undecodableRatio(raw);
    if (undecodable > maxUndecodableRatio) {
      return Extraction.rejected(
          ErrorClass.UNDECODABLE,
          String.format(
              Locale.ROOT,
              "%.1f%% of the decoded text is replacement or control characters (limit %.1f%%,"
                  + " ingest.max-undecodable-ratio): wrong encoding or binary data as %s",
              100 * undecodable,
              100 * maxUndecodableRatio,
              mime));
    }
    String text = TextNormalizer.normalize(raw).strip();
    if (text.isEmpty()) {
      return Extraction.rejected(ErrorClass.EMPTY, "no text extracted from " + mime);
    }
    return new Extraction.Text(text, mime, title(metadata, fileName));
  }

  private static String title(Metadata metadata, String fileName) {
    String t = metadata.get(TikaCoreProperties.TITLE);
    if (t != null && !t.isBlank()) {
      return TextNormalizer.normalize(t).strip();
    }
    String base = fileName.substring(fileName.lastIndexOf('/') + 1);
    int dot = base.lastIndexOf('.');
    return dot > 0 ? base.substring(0, dot) : base;
  }

  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = root.getMessage() == null ? "" : ": " + root.getMessage();
    String line = root.getClass().getSimpleName() + msg;
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }
}
