package dev.batchlm.table;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A few rows written as one Parquet file without Spark: a Spark write of one row costs a job (about
 * 0.4 s warm), and every job run writes its {@code runs} row twice. Readers (Spark with the table's
 * schema, DuckDB) see the same columns as from a Spark write. Columns may be strings, longs,
 * doubles, timestamps and maps from strings to strings or longs.
 */
public final class SmallParquet {
  private SmallParquet() {}

  /** The Parquet schema of {@code schema}, every column optional. */
  static MessageType parquet(String name, StructType schema) {
    StringBuilder m = new StringBuilder("message ").append(name).append(" {\n");
    for (StructField f : schema.fields()) {
      m.append("  optional ");
      if (f.dataType() instanceof MapType map) {
        m.append("group ")
            .append(f.name())
            .append(" (MAP) { repeated group key_value { required binary key (STRING); required ")
            .append(primitive(map.valueType(), "value"))
            .append("; } }\n");
      } else {
        m.append(primitive(f.dataType(), f.name())).append(";\n");
      }
    }
    return MessageTypeParser.parseMessageType(m.append('}').toString());
  }

  private static String primitive(DataType t, String name) {
    if (t.equals(DataTypes.StringType)) {
      return "binary " + name + " (STRING)";
    } else if (t.equals(DataTypes.LongType)) {
      return "int64 " + name;
    } else if (t.equals(DataTypes.TimestampType)) {
      return "int64 " + name + " (TIMESTAMP(MICROS,true))";
    } else if (t.equals(DataTypes.DoubleType)) {
      return "double " + name;
    }
    throw new IllegalArgumentException("SmallParquet does not write " + t);
  }

  /**
   * Writes {@code rows} as {@code file}, replacing it: written under a hidden name beside it, then
   * renamed, so readers see the old file or the new one.
   */
  public static void write(Path file, StructType schema, List<Row> rows, Configuration conf)
      throws IOException {
    MessageType type = parquet("rows", schema);
    SimpleGroupFactory groups = new SimpleGroupFactory(type);
    FileSystem fs = file.getFileSystem(conf);
    Path hidden = new Path(file.getParent(), "." + file.getName() + ".inprogress");
    if (fs instanceof LocalFileSystem local) { // Hadoop's would fork chmod without its native code
      Files.createDirectories(local.pathToFile(file.getParent()).toPath());
    } else {
      fs.mkdirs(file.getParent());
    }
    try (ParquetWriter<Group> out =
        ExampleParquetWriter.builder(
                fs instanceof LocalFileSystem local
                    ? new LocalOutputFile(local.pathToFile(hidden).toPath())
                    : HadoopOutputFile.fromPath(hidden, conf))
            .withType(type)
            .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
            .withCompressionCodec(CompressionCodecName.ZSTD)
            .withPageSize(64 << 10)
            .withDictionaryPageSize(64 << 10)
            .withConf(conf)
            .build()) {
      for (Row row : rows) {
        out.write(group(groups.newGroup(), schema, row));
      }
    }
    if (fs instanceof LocalFileSystem local) {
      Files.move(
          local.pathToFile(hidden).toPath(),
          local.pathToFile(file).toPath(),
          StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } else {
      fs.delete(file, false); // HDFS renames onto no existing file
      if (!fs.rename(hidden, file)) {
        throw new IOException("rename " + hidden + " -> " + file + " failed");
      }
    }
  }

  private static Group group(Group g, StructType schema, Row row) {
    for (int i = 0; i < schema.fields().length; i++) {
      StructField f = schema.fields()[i];
      if (row.isNullAt(i)) {
        continue;
      }
      if (f.dataType() instanceof MapType) {
        Group map = g.addGroup(f.name());
        for (Map.Entry<?, ?> e : ((Map<?, ?>) row.get(i)).entrySet()) {
          Group kv = map.addGroup("key_value").append("key", (String) e.getKey());
          append(kv, "value", e.getValue());
        }
      } else {
        append(g, f.name(), row.get(i));
      }
    }
    return g;
  }

  private static void append(Group g, String field, Object v) {
    if (v instanceof String s) {
      g.append(field, s);
    } else if (v instanceof Double d) {
      g.append(field, d);
    } else if (v instanceof Timestamp t) {
      g.append(field, Math.floorDiv(t.getTime(), 1000) * 1_000_000 + t.getNanos() / 1000);
    } else {
      g.append(field, ((Number) v).longValue());
    }
  }
}
