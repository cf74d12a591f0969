package dev.batchlm.doc;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.font.Standard14Fonts;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.junit.jupiter.api.Test;

class TextExtractorTest {
  private final TextExtractor extractor = new TextExtractor(100_000, 0.01);

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] pdf(String text, String password) throws Exception {
    try (PDDocument doc = new PDDocument()) {
      PDPage page = new PDPage();
      doc.addPage(page);
      try (PDPageContentStream cs = new PDPageContentStream(doc, page)) {
        cs.beginText();
        cs.setFont(new PDType1Font(Standard14Fonts.FontName.HELVETICA), 12);
        cs.newLineAtOffset(50, 700);
        cs.showText(text);
        cs.endText();
      }
      if (password != null) {
        doc.protect(new StandardProtectionPolicy("owner", password, new AccessPermission()));
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      doc.save(out);
      return out.toByteArray();
    }
  }

  private Extraction.Text text(byte[] bytes, String name) {
    Extraction e = extractor.extract(bytes, name);
    assertThat(e).as(name + ": " + e).isInstanceOf(Extraction.Text.class);
    return (Extraction.Text) e;
  }

  private Problem problem(byte[] bytes, String name) {
    Extraction e = extractor.extract(bytes, name);
    assertThat(e).as(name).isInstanceOf(Extraction.Rejected.class);
    return ((Extraction.Rejected) e).problem();
  }

  @Test
  void extractsMarkdownAsIsWithNormalizedLineEnds() {
    Extraction.Text t = text(utf8("# Title\r\n\r\nCafe\u0301 😀 | a | b |\r\n"), "notes.md");
    assertThat(t.text()).isEqualTo("# Title\n\nCafé 😀 | a | b |");
    assertThat(t.title()).isEqualTo("notes");
  }

  @Test
  void extractsHtmlTextAndTitleWithoutScripts() {
    Extraction.Text t =
        text(
            utf8(
                "<html><head><title>Prices</title><script>var x=1;</script></head><body><p>Night rate</p><table><tr><td>0.19 EUR</td></tr></table></body></html>"),
            "p.html");
    assertThat(t.title()).isEqualTo("Prices");
    assertThat(t.text()).contains("Night rate").contains("0.19 EUR").doesNotContain("var x");
    assertThat(t.mimeType()).isEqualTo("text/html");
  }

  @Test
  void extractsPdfAndDocx() throws Exception {
    assertThat(text(pdf("Battery hall rules", null), "a.pdf").text())
        .isEqualTo("Battery hall rules");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (XWPFDocument doc = new XWPFDocument()) {
      doc.createParagraph().createRun().setText("Wave farm charter – Ærø");
      doc.write(out);
    }
    Extraction.Text t = text(out.toByteArray(), "c.docx");
    assertThat(t.text()).isEqualTo("Wave farm charter – Ærø");
    assertThat(t.mimeType()).contains("wordprocessingml");
  }

  @Test
  void encryptedPdfIsRejectedAsEncrypted() throws Exception {
    Problem p = problem(pdf("secret", "pw"), "locked.pdf");
    assertThat(p.errorClass()).isEqualTo(Problem.ErrorClass.ENCRYPTED);
    assertThat(p.message()).contains("decrypted copy");
  }

  @Test
  void truncatedPdfIsRejectedAsCorrupt() throws Exception {
    byte[] whole = pdf("some text in a pdf", null);
    byte[] cut = java.util.Arrays.copyOf(whole, whole.length / 3);
    assertThat(problem(cut, "cut.pdf").errorClass()).isEqualTo(Problem.ErrorClass.CORRUPT);
  }

  @Test
  void emptyBinaryAndUndecodableInputsAreRejected() {
    assertThat(problem(new byte[0], "e.txt").errorClass()).isEqualTo(Problem.ErrorClass.EMPTY);
    assertThat(problem(utf8("  \n\t "), "blank.txt").errorClass())
        .isEqualTo(Problem.ErrorClass.EMPTY);
    byte[] noise = new byte[2048];
    new Random(1).nextBytes(noise);
    assertThat(problem(noise, "blob.bin").errorClass())
        .isEqualTo(Problem.ErrorClass.UNSUPPORTED_TYPE);
    // Random bytes named .txt: decoded as text they are mostly control and replacement characters.
    Problem p = problem(noise, "looks-like-text.txt");
    assertThat(p.errorClass())
        .isIn(Problem.ErrorClass.UNDECODABLE, Problem.ErrorClass.UNSUPPORTED_TYPE);
  }

  @Test
  void invalidUtf8InATextFileIsUndecodable() {
    byte[] bytes = new byte[400];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (i % 2 == 0 ? 'a' : 0x01); // half control characters
    }
    Problem p = problem(bytes, "control.txt");
    assertThat(p.errorClass()).isEqualTo(Problem.ErrorClass.UNDECODABLE);
    assertThat(p.message()).contains("ingest.max-undecodable-ratio");
  }

  @Test
  void textOverTheCharacterLimitIsTooLarge() {
    TextExtractor small = new TextExtractor(100, 0.01);
    Extraction e = small.extract(utf8("word ".repeat(100)), "big.txt");
    assertThat(((Extraction.Rejected) e).problem().errorClass())
        .isEqualTo(Problem.ErrorClass.TOO_LARGE);
  }

  @Test
  void everySampleFileIsExtractedOrRejectedWithAReason() throws Exception {
    Path corpus = Path.of("..", "samples", "corpus");
    try (var files = Files.walk(corpus)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Extraction e = extractor.extract(Files.readAllBytes(f), f.toString());
        boolean bad = f.toString().contains("quarantine-examples");
        assertThat(e)
            .as(f.toString())
            .isInstanceOf(bad ? Extraction.Rejected.class : Extraction.Text.class);
      }
    }
  }
}
