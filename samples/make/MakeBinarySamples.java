import java.io.File;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDDocumentInformation;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFTable;

/**
 * Makes the PDF and DOCX documents of the sample corpus from samples/make/sources/NAME.EXT.txt, and
 * the deliberately bad inputs under samples/corpus/quarantine-examples/. Run from samples/make with
 * the classpath of batchlm-lib (PDFBox and POI come with Tika): see samples/README.md.
 */
public class MakeBinarySamples {
  public static void main(String[] args) throws Exception {
    Path corpus = Path.of("../corpus");
    Path font = Path.of("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    try (var dir = Files.list(Path.of("sources"))) {
      for (Path src : dir.sorted().toList()) {
        String name = src.getFileName().toString().replaceFirst("\\.txt$", "");
        List<String> lines = Files.readAllLines(src, StandardCharsets.UTF_8);
        Path out = corpus.resolve("reports").resolve(name);
        Files.createDirectories(out.getParent());
        if (name.endsWith(".pdf")) {
          pdf(lines, font, out, null);
        } else {
          docx(lines, out);
        }
      }
    }
    Path bad = corpus.resolve("quarantine-examples");
    Files.createDirectories(bad);
    pdf(List.of("Confidential board pack.", "Salaries and tender prices."), font, bad.resolve("encrypted-board-pack.pdf"), "s3cret");
    Path whole = Files.createTempFile("whole", ".pdf");
    pdf(Files.readAllLines(Path.of("sources/safety-manual.pdf.txt")), font, whole, null);
    byte[] bytes = Files.readAllBytes(whole);
    Files.write(bad.resolve("truncated-scan.pdf"), java.util.Arrays.copyOf(bytes, 700));
    Files.write(bad.resolve("empty-notes.txt"), new byte[0]);
    byte[] noise = new byte[4096];
    new Random(42).nextBytes(noise);
    Files.write(bad.resolve("sensor-firmware.bin"), noise);
  }

  static void pdf(List<String> lines, Path font, Path out, String password) throws Exception {
    try (PDDocument doc = new PDDocument()) {
      PDFont f = PDType0Font.load(doc, font.toFile());
      PDDocumentInformation info = new PDDocumentInformation();
      info.setTitle(lines.get(0));
      doc.setDocumentInformation(info);
      List<String> wrapped = new ArrayList<>();
      for (String line : lines) {
        wrapped.addAll(wrap(line, 90));
      }
      int perPage = 48;
      for (int p = 0; p < wrapped.size(); p += perPage) {
        PDPage page = new PDPage();
        doc.addPage(page);
        try (PDPageContentStream cs = new PDPageContentStream(doc, page)) {
          cs.beginText();
          cs.setFont(f, 10);
          cs.setLeading(14);
          cs.newLineAtOffset(50, 740);
          for (String l : wrapped.subList(p, Math.min(p + perPage, wrapped.size()))) {
            cs.showText(l);
            cs.newLine();
          }
          cs.endText();
        }
      }
      if (password != null) {
        StandardProtectionPolicy policy = new StandardProtectionPolicy("owner-" + password, password, new AccessPermission());
        policy.setEncryptionKeyLength(128);
        doc.protect(policy);
      }
      doc.save(out.toFile());
    }
  }

  static List<String> wrap(String line, int width) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (String word : line.split(" ")) {
      if (cur.length() + word.length() + 1 > width && cur.length() > 0) {
        out.add(cur.toString());
        cur.setLength(0);
      }
      cur.append(cur.length() == 0 ? "" : " ").append(word);
    }
    out.add(cur.toString());
    return out;
  }

  static void docx(List<String> lines, Path out) throws Exception {
    try (XWPFDocument doc = new XWPFDocument()) {
      doc.getProperties().getCoreProperties().setTitle(lines.get(0));
      List<String[]> table = new ArrayList<>();
      for (String line : lines) {
        if (line.startsWith("|")) {
          table.add(line.substring(1, line.length() - 1).split("\\|"));
          continue;
        }
        if (!table.isEmpty()) {
          XWPFTable t = doc.createTable(table.size(), table.get(0).length);
          for (int r = 0; r < table.size(); r++) {
            for (int c = 0; c < table.get(r).length; c++) {
              t.getRow(r).getCell(c).setText(table.get(r)[c].trim());
            }
          }
          table.clear();
        }
        doc.createParagraph().createRun().setText(line);
      }
      try (FileOutputStream fos = new FileOutputStream(out.toFile())) {
        doc.write(fos);
      }
    }
  }
}
