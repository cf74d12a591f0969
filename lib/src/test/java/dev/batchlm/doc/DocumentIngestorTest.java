package dev.batchlm.doc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.doc.IngestOutcome.Change;
import java.io.FileNotFoundException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DocumentIngestorTest {
  private final DocumentIngestor ingestor =
      new DocumentIngestor(new TextExtractor(1000, 0.01), 100, 1000);
  private static final byte[] HELLO = "hello world".getBytes(StandardCharsets.UTF_8);

  @Test
  void filesOverTheSizeLimitAreNotRead() {
    AtomicInteger reads = new AtomicInteger();
    IngestOutcome o =
        ingestor.file(
            "d",
            "file:/big.txt",
            101,
            () -> {
              reads.incrementAndGet();
              return HELLO;
            },
            null,
            null);
    assertThat(o.change()).isEqualTo(Change.QUARANTINED);
    assertThat(o.errorClass()).isEqualTo("too_large");
    assertThat(o.message()).contains("101 bytes").contains("ingest.max-file-bytes=100");
    assertThat(reads).hasValue(0);
  }

  @Test
  void unreadableFilesAreQuarantined() {
    IngestOutcome o =
        ingestor.file(
            "d",
            "file:/gone.txt",
            5,
            () -> {
              throw new FileNotFoundException("/gone.txt");
            },
            null,
            null);
    assertThat(o.errorClass()).isEqualTo("unreadable");
    assertThat(o.message()).contains("FileNotFoundException").contains("/gone.txt");
  }

  @Test
  void sameHashAsBeforeIsReusedNotExtracted() {
    String sha = ContentHash.sha256(HELLO);
    IngestOutcome unchanged = ingestor.file("d", "u", 11, () -> HELLO, sha, null);
    assertThat(unchanged.change()).isEqualTo(Change.UNCHANGED);
    assertThat(unchanged.reused()).isTrue();
    assertThat(unchanged.text()).isNull();
    // A rerun of the same night: new against the previous date, but already extracted tonight.
    IngestOutcome rerun = ingestor.file("d", "u", 11, () -> HELLO, null, sha);
    assertThat(rerun.change()).isEqualTo(Change.NEW);
    assertThat(rerun.reused()).isTrue();
    IngestOutcome changed = ingestor.file("d", "u", 11, () -> HELLO, "other", null);
    assertThat(changed.change()).isEqualTo(Change.CHANGED);
    assertThat(changed.text()).isEqualTo("hello world");
  }

  @Test
  void tableRowsWithoutIdOrTextAreQuarantined() {
    assertThat(ingestor.row(null, "t.jsonl", "x", null, null).errorClass())
        .isEqualTo("missing_value");
    assertThat(ingestor.row("1", "t.jsonl", null, null, null).errorClass())
        .isEqualTo("missing_value");
    assertThat(ingestor.row("1", "t.jsonl", " \n", null, null).errorClass()).isEqualTo("empty");
    IngestOutcome ok = ingestor.row("1", "t.jsonl", "Cafe\u0301\r\n", "T", null);
    assertThat(ok.text()).isEqualTo("Café");
    assertThat(ok.contentSha256()).isEqualTo(ContentHash.sha256("Café"));
  }
}
