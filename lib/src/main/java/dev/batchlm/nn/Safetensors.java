package dev.batchlm.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One {@code .safetensors} file (the Hugging Face format): 8 bytes of little-endian header length,
 * a JSON header (tensor name → dtype, shape, data offsets; optional {@code __metadata__}), then the
 * raw little-endian tensor data. Tensors are read on demand with positional reads, so files over 2
 * GB work and only the tensors asked for are read. F32, F16 and BF16 are converted to float (F16
 * and BF16 by hand: ND4J M2.1's BFLOAT16 buffers are broken and Java 17 has no half-float
 * conversion). Errors name the file, the tensor and what was expected. Thread-safe (positional
 * reads share no state).
 */
public final class Safetensors implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A tensor's entry in the header; {@code begin}/{@code end} are absolute file positions. */
  public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  private final Path file;
  private final FileChannel channel;
  private final Map<String, Entry> entries;
  private final Map<String, String> metadata;

  private Safetensors(
      Path file, FileChannel channel, Map<String, Entry> entries, Map<String, String> metadata) {
    this.file = file;
    this.channel = channel;
    this.entries = entries;
    this.metadata = metadata;
  }

  public static Safetensors open(Path file) {
    try {
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
      try {
        long size = ch.size();
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, len, 0);
        long headerLength = len.flip().getLong();
        if (size < 8
            || headerLength <= 0
            || headerLength > size - 8
            || headerLength > 100_000_000) {
          throw invalid(
              file, "header length " + headerLength + " does not fit a file of " + size + " bytes");
        }
        ByteBuffer header = ByteBuffer.allocate((int) headerLength);
        readFully(ch, header, 8);
        JsonNode json = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
        long dataStart = 8 + headerLength;
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> f = it.next();
          if (f.getKey().equals("__metadata__")) {
            f.getValue()
                .fields()
                .forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
            continue;
          }
          JsonNode t = f.getValue();
          long[] shape = new long[t.path("shape").size()];
          for (int i = 0; i < shape.length; i++) {
            shape[i] = t.path("shape").get(i).asLong();
          }
          long begin = dataStart + t.path("data_offsets").path(0).asLong(-1);
          long end = dataStart + t.path("data_offsets").path(1).asLong(-1);
          Entry e = new Entry(f.getKey(), t.path("dtype").asText(), shape, begin, end);
          if (begin < dataStart || end < begin || end > size) {
            throw invalid(file, "tensor '" + e.name() + "' has data_offsets outside the file");
          }
          int width = width(e.dtype());
          if (width > 0 && (end - begin) != e.elements() * width) {
            throw invalid(
                file,
                "tensor '"
                    + e.name()
                    + "' has "
                    + (end - begin)
                    + " bytes for shape "
                    + Arrays.toString(shape)
                    + " of "
                    + e.dtype());
          }
          entries.put(e.name(), e);
        }
        return new Safetensors(file, ch, Collections.unmodifiableMap(entries), metadata);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "Cannot read safetensors file " + file + ": " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  public Map<String, Entry> entries() {
    return entries;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tensor as floats, converted from F32, F16 or BF16; checks its shape when one is given. */
  public float[] floats(String name, long... expectedShape) {
    Entry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException(
          "Tensor '"
              + name
              + "' is missing from "
              + file
              + " (it has "
              + entries.size()
              + " tensors"
              + (entries.isEmpty() ? "" : ", e.g. '" + entries.keySet().iterator().next() + "'")
              + ")");
    }
    if (expectedShape.length > 0 && !Arrays.equals(expectedShape, e.shape())) {
      throw new IllegalArgumentException(
          "Tensor '"
              + name
              + "' in "
              + file
              + " has shape "
              + Arrays.toString(e.shape())
              + ", expected "
              + Arrays.toString(expectedShape)
              + " (from config.json)");
    }
    if (e.end() - e.begin() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("Tensor '" + name + "' in " + file + " is over 2 GB");
    }
    ByteBuffer raw =
        ByteBuffer.allocate((int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
    try {
      readFully(channel, raw, e.begin());
    } catch (IOException ex) {
      throw new IllegalArgumentException("Cannot read tensor '" + name + "' from " + file, ex);
    }
    raw.flip();
    float[] out = new float[(int) e.elements()];
    switch (e.dtype()) {
      case "F32" -> raw.asFloatBuffer().get(out);
      case "F16" -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = HalfFloats.f16ToFloat(raw.getShort());
        }
      }
      case "BF16" -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = HalfFloats.bf16ToFloat(raw.getShort());
        }
      }
      default ->
          throw new IllegalArgumentException(
              "Tensor '"
                  + name
                  + "' in "
                  + file
                  + " has dtype "
                  + e.dtype()
                  + ", expected F32, F16 or BF16");
    }
    return out;
  }

  private static int width(String dtype) {
    return switch (dtype) {
      case "F32", "I32", "U32" -> 4;
      case "F16", "BF16", "I16", "U16" -> 2;
      case "F64", "I64", "U64" -> 8;
      case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
      default -> 0;
    };
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    long pos = position;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, pos);
      if (n < 0) {
        throw new IOException("unexpected end of file at byte " + pos);
      }
      pos += n;
    }
  }

  private static IllegalArgumentException invalid(Path file, String what) {
    return new IllegalArgumentException("Invalid safetensors file " + file + ": " + what);
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // nothing was written: a failed close loses nothing
    }
  }

  /** A tensor to write: float values stored as {@code dtype} (F32, F16 or BF16). */
  public record Tensor(String dtype, long[] shape, float[] values) {}

  /** Writes tensors in the given order (tests and tools build their own checkpoints with it). */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode m = header.putObject("__metadata__");
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor t = e.getValue();
      long n = 1;
      for (long d : t.shape()) {
        n *= d;
      }
      if (n != t.values().length) {
        throw new IllegalArgumentException(
            e.getKey()
                + ": "
                + t.values().length
                + " values for shape "
                + Arrays.toString(t.shape()));
      }
      long bytes = n * width(t.dtype());
      ObjectNode node = header.putObject(e.getKey());
      node.put("dtype", t.dtype());
      var shape = node.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      node.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    try (OutputStream out = Files.newOutputStream(file)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length);
      out.write(len.array());
      out.write(json);
      for (Tensor t : tensors.values()) {
        ByteBuffer buf =
            ByteBuffer.allocate(t.values().length * width(t.dtype()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float v : t.values()) {
          switch (t.dtype()) {
            case "F32" -> buf.putFloat(v);
            case "F16" -> buf.putShort(HalfFloats.floatToF16(v));
            case "BF16" -> buf.putShort(HalfFloats.floatToBf16(v));
            default -> throw new IllegalArgumentException("cannot write dtype " + t.dtype());
          }
        }
        out.write(buf.array());
      }
    }
  }
}
