package dev.batchlm.nn;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A checkpoint's portable identity: its folder name and a hash of its weights ({@code
 * demo-chat@1a2b3c4d5e6f}), the same on every machine and file system that holds the same files. It
 * names the model in tables and cache keys; the path it was read from goes to the run manifest
 * only.
 */
public final class CheckpointIdentity {
  private CheckpointIdentity() {}

  // hashes by folder and its weights' names, sizes and times: the driver checks a checkpoint before
  // Spark starts and again in the job, and reads its weights once
  private static final java.util.Map<String, String> HASHES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * SHA-256 over the folder's {@code *.safetensors} files in name order, on any Hadoop path, and a
   * LoRA adapter's {@code adapter_config.json} (its alpha and rank scale the same matrices); for a
   * folder holding only an ONNX export, over that file.
   */
  public static String weightsSha256(String folder, Configuration conf) {
    Path dir = new Path(folder);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      FileStatus[] weights =
          fs.listStatus(
              dir,
              p ->
                  (p.getName().endsWith(".safetensors") && !p.getName().startsWith("."))
                      || p.getName().equals(LoraAdapter.CONFIG_FILE));
      if (weights.length == 0) {
        weights = onnxExport(fs, dir);
      }
      if (weights.length == 0) {
        throw new IllegalArgumentException(
            "No *.safetensors weights (nor a BERT export, model.onnx or onnx/model.onnx) in "
                + folder
                + ": is it a Hugging Face checkpoint folder?");
      }
      Arrays.sort(weights, Comparator.comparing(s -> s.getPath().getName()));
      StringBuilder key = new StringBuilder(fs.makeQualified(dir).toString());
      for (FileStatus w : weights) {
        key.append('|').append(w.getPath().getName()).append(':').append(w.getLen());
        key.append(':').append(w.getModificationTime());
      }
      String known = HASHES.get(key.toString());
      if (known != null) {
        return known;
      }
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (FileStatus w : weights) {
        try (InputStream in = new DigestInputStream(fs.open(w.getPath()), md)) {
          in.transferTo(OutputStream.nullOutputStream());
        }
      }
      String hash = HexFormat.of().formatHex(md.digest());
      HASHES.put(key.toString(), hash);
      return hash;
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalArgumentException(
          "Cannot hash the weights in " + folder + ": " + e.getMessage(), e);
    }
  }

  /** A folder's ONNX export ({@link OnnxBert#EXPORTS}), or none. */
  private static FileStatus[] onnxExport(FileSystem fs, Path dir) throws IOException {
    for (String name : OnnxBert.EXPORTS) {
      Path p = new Path(dir, name);
      if (fs.exists(p) && fs.getFileStatus(p).isFile()) {
        return new FileStatus[] {fs.getFileStatus(p)};
      }
    }
    return new FileStatus[0];
  }

  /** {@code <folder name>@<the hash's first 12 hex digits>}. */
  public static String id(String folder, String weightsSha256) {
    return new Path(folder).getName() + "@" + weightsSha256.substring(0, 12);
  }

  /** The folder name an id starts with (a price table may name a checkpoint by it). */
  public static String folderName(String id) {
    int at = id.lastIndexOf('@');
    return at < 0 ? id : id.substring(0, at);
  }
}
