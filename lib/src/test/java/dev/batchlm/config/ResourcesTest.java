package dev.batchlm.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.cost.Prices;
import dev.batchlm.prompt.PromptTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bundled:NAME reads conf/NAME as packed in the jar; anything else is a Hadoop path. */
class ResourcesTest {
  static final Configuration CONF = new Configuration();
  static final Path CONF_DIR = Path.of("..", "conf").toAbsolutePath().normalize();

  @Test
  void everyPromptOfConfIsBundledWithTheSameVersion() throws Exception {
    List<Path> folders;
    try (var dirs = Files.list(CONF_DIR.resolve("prompts"))) {
      folders = dirs.filter(Files::isDirectory).toList();
    }
    assertThat(folders)
        .extracting(p -> p.getFileName().toString())
        .contains("answer", "judge-correctness");
    for (Path folder : folders) {
      String name = folder.getFileName().toString();
      PromptTemplate onDisk = PromptTemplate.load(folder.toUri().toString(), CONF);
      PromptTemplate bundled = PromptTemplate.load("bundled:prompts/" + name, CONF);
      assertThat(bundled.name()).isEqualTo(name);
      assertThat(bundled.version()).as(name).isEqualTo(onDisk.version());
      assertThat(bundled.user()).isEqualTo(onDisk.user());
    }
  }

  @Test
  void bundledPricesAndConfigReadAsTheFilesInConf() throws Exception {
    for (String file : List.of("prices.conf", "demo-prices.conf", "local.conf")) {
      assertThat(Resources.read("bundled:" + file, CONF, "test"))
          .isEqualTo(Files.readString(CONF_DIR.resolve(file)));
    }
    assertThat(
            Prices.parse("bundled:prices.conf", Resources.read("bundled:prices.conf", CONF, "p")))
        .isNotNull();
  }

  @Test
  void anythingElseIsAHadoopPathRelativeToTheWorkingDirectory(@TempDir Path tmp) throws Exception {
    Path file = Files.writeString(tmp.resolve("p.conf"), "prices = []");
    assertThat(Resources.read(file.toString(), CONF, "infer.prices")).isEqualTo("prices = []");
    assertThat(Resources.read(file.toUri().toString(), CONF, "infer.prices"))
        .isEqualTo("prices = []");
    assertThat(Resources.read("../conf/prices.conf", CONF, "infer.prices"))
        .isEqualTo(Files.readString(CONF_DIR.resolve("prices.conf")));
  }

  @Test
  void aMissingFileNamesItsKeyAndWhereItLooked() {
    assertThatThrownBy(() -> Resources.read("bundled:nope.conf", CONF, "infer.prices"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Cannot read infer.prices bundled:nope.conf: no such file is bundled (conf/ in the"
                + " repository)");
    assertThatThrownBy(() -> PromptTemplate.load("bundled:prompts/nope", CONF))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Prompt folder bundled:prompts/nope is not bundled");
    assertThatThrownBy(() -> Resources.read("/no/such/prices.conf", CONF, "infer.prices"))
        .hasMessage("Cannot read infer.prices /no/such/prices.conf: no such file");
  }

  @Test
  void namesAndChildren() {
    assertThat(Resources.child("bundled:prompts", "answer")).isEqualTo("bundled:prompts/answer");
    assertThat(Resources.child("hdfs:///p/", "answer")).isEqualTo("hdfs:///p/answer");
    assertThat(Resources.name("bundled:prompts/answer")).isEqualTo("answer");
    assertThat(Resources.name("hdfs://nn:8020/models/demo-chat/")).isEqualTo("demo-chat");
  }
}
