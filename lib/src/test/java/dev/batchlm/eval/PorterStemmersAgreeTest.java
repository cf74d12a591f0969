package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * ROUGE stems with the Snowball project's own Java "porter"; rouge-score's ground truth was first
 * matched with Lucene's generated copy of the same algorithm. Both agree on every word of the
 * repository's docs, sample corpus and sources. (Lucene's copy is loaded on its own: the two jars
 * share class names.)
 */
class PorterStemmersAgreeTest {
  @Test
  void snowballAndLucenePorterAgree() throws Exception {
    TreeSet<String> words = new TreeSet<>();
    try (Stream<Path> files = Files.walk(Path.of(".."))) {
      for (Path f :
          files
              .filter(p -> p.toString().endsWith(".md") || p.toString().endsWith(".java"))
              .filter(p -> !p.toString().contains("target"))
              .toList()) {
        for (String w :
            Files.readString(f).toLowerCase(java.util.Locale.ROOT).split("[^a-z0-9]+")) {
          if (w.length() > 3) {
            words.add(w);
          }
        }
      }
    }
    assertThat(words.size()).isGreaterThan(2000);
    List<URL> lucene = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.contains("lucene-")) {
        lucene.add(Path.of(entry).toUri().toURL());
      }
    }
    try (URLClassLoader loader =
        new URLClassLoader(lucene.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
      Class<?> type = loader.loadClass("org.tartarus.snowball.ext.PorterStemmer");
      Object luceneStemmer = type.getConstructor().newInstance();
      Method setCurrent = type.getMethod("setCurrent", String.class);
      Method stem = type.getMethod("stem");
      Method getCurrent = type.getMethod("getCurrent");
      var snowball = new org.tartarus.snowball.ext.porterStemmer();
      for (String w : words) {
        snowball.setCurrent(w);
        snowball.stem();
        setCurrent.invoke(luceneStemmer, w);
        stem.invoke(luceneStemmer);
        assertThat(snowball.getCurrent()).as(w).isEqualTo(getCurrent.invoke(luceneStemmer));
      }
    }
  }
}
