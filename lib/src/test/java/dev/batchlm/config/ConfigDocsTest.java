package dev.batchlm.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/config.md is made from the key declarations: it fails when they drift apart. */
class ConfigDocsTest {
  static final Path DOC = Path.of("..", "docs", "config.md");

  @Test
  void theConfigPageIsTheDeclarationsRendered() throws Exception {
    String made = ConfigKeys.markdown();
    if (!Files.exists(DOC) || !Files.readString(DOC).equals(made)) {
      Path fresh = Files.writeString(Path.of("target", "config.md"), made);
      assertThat(Files.exists(DOC) ? Files.readString(DOC) : "")
          .as("docs/config.md is out of date: copy %s over it", fresh.toAbsolutePath())
          .isEqualTo(made);
    }
  }
}
