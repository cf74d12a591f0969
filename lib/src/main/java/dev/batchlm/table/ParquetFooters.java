package dev.batchlm.table;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;

/**
 * Adds key-value metadata to the footers of the Parquet files in a folder, so that a file carries
 * what made it (e.g. the embedding model) even when copied away from its {@code _run.json}. Spark's
 * writer has no hook for footer metadata, so each file is rewritten once: its row groups are copied
 * as they are (no decoding) and a new footer is written. Driver-side, on staged files only.
 */
public final class ParquetFooters {
  private ParquetFooters() {}

  public static void addMetadata(Path dir, Map<String, String> metadata, Configuration conf) {
    try {
      FileSystem fs = dir.getFileSystem(conf);
      for (FileStatus st : fs.listStatus(dir, p -> p.getName().endsWith(".parquet"))) {
        Path file = st.getPath();
        Path rewritten = new Path(dir, "." + file.getName() + ".footer");
        FileMetaData meta;
        try (ParquetFileReader reader =
            ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
          meta = reader.getFooter().getFileMetaData();
        }
        Map<String, String> keyValues = new HashMap<>(meta.getKeyValueMetaData());
        keyValues.putAll(metadata);
        ParquetFileWriter writer =
            new ParquetFileWriter(
                HadoopOutputFile.fromPath(rewritten, conf),
                meta.getSchema(),
                ParquetFileWriter.Mode.CREATE,
                ParquetWriter.DEFAULT_BLOCK_SIZE,
                ParquetWriter.MAX_PADDING_SIZE_DEFAULT);
        writer.start();
        writer.appendFile(HadoopInputFile.fromPath(file, conf));
        writer.end(keyValues);
        fs.delete(file, false);
        if (!fs.rename(rewritten, file)) {
          throw new IOException("rename " + rewritten + " -> " + file + " failed");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot add footer metadata in " + dir + ": " + e.getMessage(), e);
    }
  }
}
