package dev.batchlm.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SummaryTest {
  @Test
  void quarantineSourcesLoseTheirFolderButNotTheirLine() {
    assertThat(Summary.withoutFolder("file:/data/in/e.jsonl:3: {\"url\":\"http://x/y\"}"))
        .isEqualTo("e.jsonl:3: {\"url\":\"http://x/y\"}");
    assertThat(Summary.withoutFolder("hdfs://nn/docs/a/b.pdf")).isEqualTo("b.pdf");
  }
}
