package dev.batchlm.table;

import dev.batchlm.config.Resources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * What an input looks like now, in one hash: every file under it (a glob, a folder read
 * recursively, or a file) by path, length and modification time, as {@code make} judges a target
 * stale. Reading the files' bytes would be exact and cost as much as the run it saves; a file
 * rewritten with the same length in the same millisecond goes unnoticed ({@code run.force}).
 * Bundled resources and URLs have no files: they are named by the build and the config.
 */
public final class InputFingerprint {
  /** The fingerprint of what the build and the config already name. */
  static final String NAMED = "named by the build and config";

  private InputFingerprint() {}

  public static String of(String location, Configuration conf) {
    if (Resources.isBundled(location) || location.matches("(?i)https?://.*")) {
      return NAMED;
    }
    Path path = new Path(location);
    try {
      FileSystem fs = path.getFileSystem(conf);
      FileStatus[] matched = fs.globStatus(path);
      if (matched == null || matched.length == 0) {
        return "missing";
      }
      List<String> files = new ArrayList<>();
      for (FileStatus m : matched) {
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(m.getPath(), true);
        while (it.hasNext()) {
          LocatedFileStatus f = it.next();
          files.add(f.getPath() + "\t" + f.getLen() + "\t" + f.getModificationTime());
        }
      }
      files.sort(null);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String f : files) {
        sha.update((f + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return files.size() + " files, sha256:" + HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + location + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
