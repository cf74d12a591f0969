package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model's forward passes run in a workspace (Scratch), so their off-heap intermediates are reused
 * by the next batch instead of waiting for a garbage collection.
 */
class ModelMemoryTest {
  @TempDir Path tmp;

  /**
   * The process's resident memory, embedding and cross-encoding batches of 16 × 512 tokens (~150 MB
   * of intermediates each): flat after the first batches, where it used to grow by every batch
   * until a garbage collection (7.9 GB over 20 such batches here; 13 GB with all-MiniLM-L6-v2
   * before the kernel killed the job).
   */
  @Test
  void residentMemoryIsFlatOverManyLargeBatches() throws Exception {
    TinyBert model = new TinyBert(7, 64, 128, 512).withClassifierHead(9);
    try (Checkpoint c = Checkpoint.open(model.write(tmp.resolve("wide"), "F32", "bert.", "gelu"))) {
      BertEncoder encoder = new BertEncoder(c);
      CrossEncoder cross = new CrossEncoder(c);
      int[][] types = new int[16][512];
      int[] lengths = new int[16];
      java.util.Arrays.fill(lengths, 512);
      Random rnd = new Random(8);
      int[][] ids = new int[16][512];
      for (int[] row : ids) {
        for (int t = 0; t < row.length; t++) {
          row[t] = rnd.nextInt(model.vocab);
        }
      }
      for (int i = 0; i < 2; i++) {
        encoder.embed(ids, lengths, BertEncoder.Pooling.MEAN, true);
        cross.scores(ids, types, lengths);
      }
      long before = Pointer.physicalBytes();
      for (int i = 0; i < 8; i++) {
        encoder.embed(ids, lengths, BertEncoder.Pooling.MEAN, true);
        cross.scores(ids, types, lengths);
      }
      long grown = Pointer.physicalBytes() - before;
      assertThat(grown).as("resident bytes grown over 16 batches").isLessThan(256L << 20);
    }
  }
}
