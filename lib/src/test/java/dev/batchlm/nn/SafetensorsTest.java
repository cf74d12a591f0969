package dev.batchlm.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir Path dir;

  @Test
  void halfFloatConversionsMatchHandDerivedBitPatterns() {
    // binary16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF (max), 0.1 -> 0x2E66, 2^-24 = 0x0001
    assertThat(HalfFloats.floatToF16(1.0f)).isEqualTo((short) 0x3C00);
    assertThat(HalfFloats.floatToF16(-2.0f)).isEqualTo((short) 0xC000);
    assertThat(HalfFloats.floatToF16(65504f)).isEqualTo((short) 0x7BFF);
    assertThat(HalfFloats.floatToF16(0.1f)).isEqualTo((short) 0x2E66);
    assertThat(HalfFloats.floatToF16(0x1p-24f)).isEqualTo((short) 0x0001);
    assertThat(HalfFloats.floatToF16(1e6f)).isEqualTo((short) 0x7C00);
    assertThat(HalfFloats.f16ToFloat((short) 0x2E66)).isEqualTo(0.0999755859375f);
    assertThat(HalfFloats.f16ToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
    assertThat(HalfFloats.f16ToFloat((short) 0xFC00)).isEqualTo(Float.NEGATIVE_INFINITY);
    // bfloat16: the top 16 bits of the float, rounded to nearest even: 0.1f = 0x3DCCCCCD -> 0x3DCD
    assertThat(HalfFloats.floatToBf16(1.0f)).isEqualTo((short) 0x3F80);
    assertThat(HalfFloats.floatToBf16(0.1f)).isEqualTo((short) 0x3DCD);
    assertThat(HalfFloats.bf16ToFloat((short) 0x3DCD)).isEqualTo(0.10009765625f);
    // every f16 value survives the round trip
    for (int bits = 0; bits < 0x10000; bits++) {
      float f = HalfFloats.f16ToFloat((short) bits);
      if (!Float.isNaN(f)) {
        assertThat(HalfFloats.floatToF16(f)).as("0x%04x", bits).isEqualTo((short) bits);
      }
    }
  }

  @Test
  void writesAndReadsEveryFloatDtypeWithMetadata() throws Exception {
    Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
    float[] values = {1f, -2f, 0.5f, 3.25f, 0f, -0.125f};
    tensors.put("a", new Safetensors.Tensor("F32", new long[] {2, 3}, values));
    tensors.put("b", new Safetensors.Tensor("F16", new long[] {6}, values));
    tensors.put("c", new Safetensors.Tensor("BF16", new long[] {3, 2}, values));
    Path file = dir.resolve("m.safetensors");
    Safetensors.write(file, tensors, Map.of("format", "pt"));
    try (Safetensors st = Safetensors.open(file)) {
      assertThat(st.metadata()).containsEntry("format", "pt");
      assertThat(st.entries().keySet()).containsExactly("a", "b", "c");
      // these values are exact in all three formats
      assertThat(st.floats("a", 2, 3)).containsExactly(values);
      assertThat(st.floats("b")).containsExactly(values);
      assertThat(st.floats("c", 3, 2)).containsExactly(values);
    }
  }

  @Test
  void errorsNameTheFileTensorAndExpectation() throws Exception {
    Path file = dir.resolve("m.safetensors");
    Safetensors.write(
        file,
        Map.of("w", new Safetensors.Tensor("F32", new long[] {2, 2}, new float[4])),
        Map.of());
    try (Safetensors st = Safetensors.open(file)) {
      assertThatThrownBy(() -> st.floats("missing"))
          .hasMessageContaining("Tensor 'missing' is missing from " + file);
      assertThatThrownBy(() -> st.floats("w", 4, 1))
          .hasMessage(
              "Tensor 'w' in " + file + " has shape [2, 2], expected [4, 1] (from config.json)");
    }
    // an I64 tensor cannot become floats
    byte[] header =
        "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}"
            .getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
    buf.putLong(header.length).put(header).putLong(7);
    Path ints = Files.write(dir.resolve("i.safetensors"), buf.array());
    try (Safetensors st = Safetensors.open(ints)) {
      assertThatThrownBy(() -> st.floats("ids"))
          .hasMessageContaining("has dtype I64, expected F32, F16 or BF16");
    }
    Path truncated =
        Files.write(
            dir.resolve("t.safetensors"), java.util.Arrays.copyOf(Files.readAllBytes(file), 20));
    assertThatThrownBy(() -> Safetensors.open(truncated))
        .hasMessageContaining("Invalid safetensors file " + truncated);
  }

  @Test
  void shardedCheckpointsResolveTensorsThroughTheIndex() throws Exception {
    Safetensors.write(
        dir.resolve("model-00001-of-00002.safetensors"),
        Map.of("x", new Safetensors.Tensor("F32", new long[] {1}, new float[] {1.5f})),
        Map.of());
    Safetensors.write(
        dir.resolve("model-00002-of-00002.safetensors"),
        Map.of("y", new Safetensors.Tensor("BF16", new long[] {1}, new float[] {2f})),
        Map.of());
    Files.writeString(
        dir.resolve("model.safetensors.index.json"),
        "{\"weight_map\": {\"x\": \"model-00001-of-00002.safetensors\", \"y\": \"model-00002-of-00002.safetensors\"}}");
    Files.writeString(dir.resolve("config.json"), "{}");
    try (Checkpoint c = Checkpoint.open(dir)) {
      assertThat(c.floats("", "x", 1)).containsExactly(1.5f);
      assertThat(c.floats("", "y")).containsExactly(2f);
    }
  }
}
