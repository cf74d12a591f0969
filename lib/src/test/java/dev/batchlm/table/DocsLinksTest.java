package dev.batchlm.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A user of this repository has only this repository: every relative link of its documentation, and
 * every {@code .md} file a source comment cites, must name a file inside it.
 */
class DocsLinksTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");
  private static final Pattern CITED = Pattern.compile("[\\w./-]*[\\w-]+\\.md\\b");

  @Test
  void everyRelativeLinkOfTheDocsNamesAFileInTheRepository() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Path doc : files(ROOT, ".md", "samples/corpus")) {
      String text = Files.readString(doc);
      if (text.contains("../shared/")) {
        broken.add(ROOT.relativize(doc) + " points outside the repository (../shared/)");
      }
      Matcher m = LINK.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        if (target.contains("://") || target.startsWith("mailto:")) {
          continue;
        }
        Path resolved = doc.getParent().resolve(target).normalize();
        if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
          broken.add(ROOT.relativize(doc) + " -> " + target);
        }
      }
    }
    assertThat(broken).isEmpty();
  }

  @Test
  void everyMarkdownFileASourceCitesIsInTheRepository() throws IOException {
    List<String> missing = new ArrayList<>();
    for (String module : List.of("lib/src/main", "jobs/src/main")) {
      for (Path source : files(ROOT.resolve(module), ".java", "none")) {
        Matcher m = CITED.matcher(Files.readString(source));
        while (m.find()) {
          String cited = m.group();
          boolean found =
              Files.exists(ROOT.resolve(cited))
                  || Files.exists(ROOT.resolve("docs").resolve(cited))
                  || Files.exists(source.getParent().resolve(cited));
          if (!found) {
            missing.add(ROOT.relativize(source) + " cites " + cited);
          }
        }
      }
    }
    assertThat(missing).isEmpty();
  }

  private static List<Path> files(Path dir, String suffix, String skip) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(p -> p.toString().endsWith(suffix))
          .filter(p -> !ROOT.relativize(p).toString().startsWith(skip))
          .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
          .toList();
    }
  }
}
