package dev.batchlm.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A LLaMA-family decoder (Hugging Face {@code LlamaForCausalLM} and the models that share its
 * shape) on ND4J, eager, in FP32: token embeddings, pre-norm blocks of RMSNorm, grouped-query
 * self-attention with rotary position embeddings (HF's rotate-half convention) and a causal mask,
 * and a SwiGLU MLP, then a final RMSNorm and the output projection (tied to the embeddings or not).
 * RMSNorm, SiLU and attention are composed from plain ops, as docs/dl4j-notes.md advises.
 *
 * <p>{@link #logits} runs new tokens of a batch of rows against a {@link KvCache} holding the
 * earlier ones; each row is a slot of the cache with its own length, so rows of different lengths
 * share a batch without padding: a prompt is prefilled into its slot, then every active slot
 * decodes one token per step (continuous batching, see {@link Generator}). Weights are read-only
 * after loading: one instance serves all tasks of an executor, each with its own caches.
 */
public final class LlamaDecoder {
  private static final String PREFIX = "model.";
  private final LlamaConfig config;
  private final INDArray embeddings; // [vocab, hidden]
  private final INDArray output; // [vocab, hidden]: the embeddings when tied
  private final INDArray finalNorm;
  private final INDArray invFreq; // [1, headDim/2]
  private final Layer[] layers;

  /**
   * One block. Linear weights keep HF's {@code [out, in]} layout and are applied as {@code x·Wᵀ}
   * (OpenBLAS is 2–10× faster this way than on {@code [in, out]} for decode-sized rows); q/k/v and
   * gate/up are stacked into one matrix each, so a step runs 4 projections per layer instead of 7.
   */
  private record Layer(
      INDArray attnNorm,
      INDArray qkv, // [qd + 2 kvd, hidden]
      INDArray qkvBias, // [1, qd + 2 kvd], null without attention biases
      INDArray o,
      INDArray mlpNorm,
      INDArray gateUp, // [2 ffn, hidden]
      INDArray down) {}

  /**
   * Keys and values of the tokens seen so far, per layer {@code [slots, kvHeads, maxLength, d]},
   * and how many tokens each slot holds. Not thread-safe: one per generating thread.
   */
  public static final class KvCache {
    final INDArray[] keys;
    final INDArray[] values;
    final INDArray[] keyRows; // the same memory as [slots * kvHeads * maxLength, d], for scatter
    final INDArray[] valueRows;
    final int[] lengths;
    final int maxLength;

    KvCache(LlamaConfig c, int slots, int maxLength) {
      this.maxLength = maxLength;
      this.lengths = new int[slots];
      keys = new INDArray[c.layers()];
      values = new INDArray[c.layers()];
      keyRows = new INDArray[c.layers()];
      valueRows = new INDArray[c.layers()];
      long rows = (long) slots * c.kvHeads() * maxLength;
      for (int l = 0; l < c.layers(); l++) {
        keys[l] = Nd4j.create(DataType.FLOAT, slots, c.kvHeads(), maxLength, c.headDim());
        values[l] = Nd4j.create(DataType.FLOAT, slots, c.kvHeads(), maxLength, c.headDim());
        keyRows[l] = keys[l].reshape(rows, c.headDim());
        valueRows[l] = values[l].reshape(rows, c.headDim());
      }
    }

    public int slots() {
      return lengths.length;
    }

    public int maxLength() {
      return maxLength;
    }

    /** Tokens cached in {@code slot}. */
    public int length(int slot) {
      return lengths[slot];
    }

    /** Empties {@code slot} for a new sequence. */
    public void clear(int slot) {
      lengths[slot] = 0;
    }
  }

  public LlamaDecoder(Checkpoint checkpoint) {
    this(checkpoint, null);
  }

  /**
   * The decoder with a LoRA adapter merged into its weights ({@code W + s·B·A}, computed once at
   * load): as fast as the base model, and the same logits as PEFT's unmerged forward to float
   * rounding. {@code adapter} null: the base model.
   */
  public LlamaDecoder(Checkpoint checkpoint, LoraAdapter adapter) {
    this.config =
        LlamaConfig.from(checkpoint.config(), checkpoint.dir().resolve("config.json").toString());
    int h = config.hiddenSize();
    int qd = config.heads() * config.headDim();
    int kvd = config.kvHeads() * config.headDim();
    this.embeddings = matrix(checkpoint, "embed_tokens.weight", config.vocabSize(), h);
    this.output =
        config.tiedEmbeddings()
            ? embeddings
            : BertEncoder.matrix(checkpoint, "", "lm_head.weight", config.vocabSize(), h);
    this.finalNorm = vector(checkpoint, "norm.weight", h);
    if (adapter != null) {
      adapter.checkFits(config, checkpoint.dir().getFileName().toString());
    }
    this.layers = new Layer[config.layers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "layers." + i + ".self_attn.";
      layers[i] =
          new Layer(
              vector(checkpoint, "layers." + i + ".input_layernorm.weight", h),
              Nd4j.vstack(
                  projection(checkpoint, adapter, i, "q_proj"),
                  projection(checkpoint, adapter, i, "k_proj"),
                  projection(checkpoint, adapter, i, "v_proj")),
              config.attentionBias()
                  ? Nd4j.hstack(
                      vector(checkpoint, p + "q_proj.bias", qd),
                      vector(checkpoint, p + "k_proj.bias", kvd),
                      vector(checkpoint, p + "v_proj.bias", kvd))
                  : null,
              projection(checkpoint, adapter, i, "o_proj"),
              vector(checkpoint, "layers." + i + ".post_attention_layernorm.weight", h),
              Nd4j.vstack(
                  projection(checkpoint, adapter, i, "gate_proj"),
                  projection(checkpoint, adapter, i, "up_proj")),
              projection(checkpoint, adapter, i, "down_proj"));
    }
    double[] inv = config.inverseFrequencies();
    this.invFreq = Nd4j.createFromArray(inv).castTo(DataType.FLOAT).reshape(1, inv.length);
  }

  public LlamaConfig config() {
    return config;
  }

  /** A cache of {@code slots} sequences of up to {@code maxLength} tokens each. */
  public KvCache newCache(int slots, int maxLength) {
    if (maxLength > config.maxPositions()) {
      throw new IllegalArgumentException(
          "a cache of "
              + maxLength
              + " tokens is longer than the context window of "
              + config.maxPositions());
    }
    return new KvCache(config, slots, maxLength);
  }

  /** {@link #logits(int[][], int, KvCache)} with rows in slots 0, 1, …. */
  public INDArray logits(int[][] ids, KvCache cache) {
    return logits(ids, 0, cache);
  }

  /**
   * Logits of the new tokens, {@code [rows * length, vocab]} (row {@code b * length + t}). Row
   * {@code b} continues the sequence in cache slot {@code firstSlot + b} after the tokens already
   * there; the cache then holds the new ones too.
   *
   * @param ids new tokens, {@code [rows][length]}; every row the same length
   */
  public INDArray logits(int[][] ids, int firstSlot, KvCache cache) {
    return linear(rmsNorm(forward(ids, firstSlot, cache), finalNorm), output);
  }

  /** Logits of each row's last new token only, {@code [rows, vocab]} (what generation needs). */
  public INDArray lastLogits(int[][] ids, int firstSlot, KvCache cache) {
    int len = ids[0].length;
    INDArray hidden = forward(ids, firstSlot, cache);
    INDArray last =
        len == 1
            ? hidden
            : Nd4j.pullRows(
                hidden,
                1,
                java.util.stream.IntStream.range(1, ids.length + 1)
                    .map(b -> b * len - 1)
                    .toArray());
    return linear(rmsNorm(last, finalNorm), output);
  }

  /** The final hidden states {@code [rows * length, hidden]}, before the last norm. */
  private INDArray forward(int[][] ids, int firstSlot, KvCache cache) {
    int batch = ids.length;
    int len = ids[0].length;
    int d = config.headDim();
    int heads = config.heads();
    int kvHeads = config.kvHeads();
    int group = heads / kvHeads;
    int[] starts = new int[batch];
    int end = 0;
    for (int b = 0; b < batch; b++) {
      if (ids[b].length != len) {
        throw new IllegalArgumentException("rows of one call must have the same length");
      }
      starts[b] = cache.lengths[firstSlot + b];
      end = Math.max(end, starts[b] + len);
    }
    if (end > cache.maxLength) {
      throw new IllegalArgumentException(
          end + " tokens do not fit a cache of " + cache.maxLength + " per sequence");
    }
    int[] flat = new int[batch * len];
    float[] positions = new float[batch * len];
    // cache rows written by the new keys/values, in [row, kvHead, t] order
    int[] writes = new int[batch * kvHeads * len];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(ids[b], 0, flat, b * len, len);
      for (int t = 0; t < len; t++) {
        positions[b * len + t] = starts[b] + t;
      }
      for (int h = 0; h < kvHeads; h++) {
        for (int t = 0; t < len; t++) {
          writes[(b * kvHeads + h) * len + t] =
              ((firstSlot + b) * kvHeads + h) * cache.maxLength + starts[b] + t;
        }
      }
    }
    INDArray[] cosSin = rotary(positions, batch, len);
    INDArray writeRows = Nd4j.createFromArray(writes);
    // Grouped-query attention without copying keys: the query heads that share a key/value head
    // are stacked as rows ([batch, kvHeads, group * len, d]); row g * len + t is token t.
    // Causal per row: token t of row b (position starts[b] + t) sees keys 0 .. starts[b] + t.
    float[] mask = new float[batch * group * len * end];
    for (int b = 0; b < batch; b++) {
      for (int r = 0; r < group * len; r++) {
        int visible = starts[b] + r % len;
        int base = (b * group * len + r) * end;
        for (int j = visible + 1; j < end; j++) {
          mask[base + j] = -1e9f;
        }
      }
    }
    INDArray causal = Nd4j.createFromArray(mask).reshape(batch, 1, group * len, end);
    double scale = 1.0 / Math.sqrt(d);
    INDArrayIndex[] window = {
      NDArrayIndex.interval(firstSlot, firstSlot + batch),
      NDArrayIndex.all(),
      NDArrayIndex.interval(0, end),
      NDArrayIndex.all()
    };
    INDArray x = Nd4j.pullRows(embeddings, 1, flat);
    for (int l = 0; l < layers.length; l++) {
      Layer w = layers[l];
      INDArray n = rmsNorm(x, w.attnNorm());
      INDArray qkv = linear(n, w.qkv());
      if (w.qkvBias() != null) {
        qkv.addiRowVector(w.qkvBias());
      }
      int qd = heads * d;
      int kvd = kvHeads * d;
      // queries and keys rotated together: [batch, heads + kvHeads, len, d]
      INDArray qk = rope(heads(columns(qkv, 0, qd + kvd), batch, len, heads + kvHeads, d), cosSin);
      INDArray q = headRange(qk, 0, heads);
      INDArray k = headRange(qk, heads, heads + kvHeads);
      INDArray v = heads(columns(qkv, qd + kvd, qd + 2 * kvd), batch, len, kvHeads, d);
      scatterRows(cache.keyRows[l], writeRows, k.reshape((long) batch * kvHeads * len, d));
      scatterRows(cache.valueRows[l], writeRows, v.reshape((long) batch * kvHeads * len, d));
      INDArray keys = cache.keys[l].get(window);
      INDArray values = cache.values[l].get(window);
      INDArray grouped = q.reshape(batch, kvHeads, group * len, d);
      INDArray scores = Nd4j.matmul(grouped, keys, false, true, false).muli(scale).addi(causal);
      INDArray probs = Nd4j.exec(new SoftMax(scores, scores.ulike(), 3))[0];
      INDArray context =
          Nd4j.matmul(probs, values)
              .reshape(batch, heads, len, d)
              .permute(0, 2, 1, 3)
              .dup('c')
              .reshape(batch * len, heads * d);
      x = x.add(linear(context, w.o()));
      INDArray gateUp = linear(rmsNorm(x, w.mlpNorm()), w.gateUp());
      int f = config.intermediateSize();
      INDArray gate = columns(gateUp, 0, f);
      INDArray act = Transforms.sigmoid(gate, true).muli(gate).muli(columns(gateUp, f, 2 * f));
      x = x.addi(linear(act, w.down()));
    }
    for (int b = 0; b < batch; b++) {
      cache.lengths[firstSlot + b] += len;
    }
    return x;
  }

  /** {@code target[rows[i]] = updates[i]}, in place (one op instead of a put per row). */
  private static void scatterRows(INDArray target, INDArray rows, INDArray updates) {
    Nd4j.exec(
        DynamicCustomOp.builder("scatter_upd")
            .addInputs(target, rows, updates)
            .addOutputs(target)
            .build());
  }

  /** {@code x·Wᵀ} for an HF linear weight {@code [out, in]}. */
  private static INDArray linear(INDArray x, INDArray w) {
    return Nd4j.gemm(x, w, false, true);
  }

  private static INDArray headRange(INDArray x, int from, int to) {
    return x.get(
        NDArrayIndex.all(),
        NDArrayIndex.interval(from, to),
        NDArrayIndex.all(),
        NDArrayIndex.all());
  }

  private static INDArray columns(INDArray x, int from, int to) {
    return x.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to));
  }

  /** {@code [batch*len, heads*d]} to {@code [batch, heads, len, d]}. */
  private static INDArray heads(INDArray x, int batch, int len, int heads, int d) {
    return x.reshape(batch, len, heads, d).permute(0, 2, 1, 3).dup('c');
  }

  /** cos and sin of each row's positions, {@code [batch, 1, len, d]} each. */
  private INDArray[] rotary(float[] positions, int batch, int len) {
    INDArray angles = Nd4j.createFromArray(positions).reshape(positions.length, 1).mmul(invFreq);
    INDArray full = Nd4j.concat(1, angles, angles); // HF: cat(freqs, freqs)
    int d = config.headDim();
    return new INDArray[] {
      Transforms.cos(full, true).reshape(batch, 1, len, d),
      Transforms.sin(full, true).reshape(batch, 1, len, d)
    };
  }

  /** {@code x·cos + rotate_half(x)·sin}, rotate_half(x) = cat(−x₂, x₁) over the last axis. */
  private INDArray rope(INDArray x, INDArray[] cosSin) {
    int half = config.headDim() / 2;
    INDArray x1 =
        x.get(
            NDArrayIndex.all(),
            NDArrayIndex.all(),
            NDArrayIndex.all(),
            NDArrayIndex.interval(0, half));
    INDArray x2 =
        x.get(
            NDArrayIndex.all(),
            NDArrayIndex.all(),
            NDArrayIndex.all(),
            NDArrayIndex.interval(half, 2 * half));
    INDArray rotated = Nd4j.concat(3, x2.neg(), x1);
    return x.mul(cosSin[0]).addi(rotated.muli(cosSin[1]));
  }

  /** Row-wise {@code x · rsqrt(mean(x²) + eps) · g} (ND4J has no RMSNorm op). */
  private INDArray rmsNorm(INDArray x, INDArray gain) {
    INDArray inv = Transforms.pow(x.mul(x).mean(true, 1).addi(config.rmsNormEps()), -0.5, false);
    return x.mulColumnVector(inv).muliRowVector(gain);
  }

  /**
   * A projection's weight {@code [out, in]}, with the adapter's {@code s·B·A} added if it has one.
   */
  private INDArray projection(Checkpoint c, LoraAdapter adapter, int layer, String module) {
    int[] shape = LoraAdapter.shape(config, module);
    INDArray w = matrix(c, LoraAdapter.modulePath(layer, module) + ".weight", shape[0], shape[1]);
    if (adapter != null && adapter.pair(layer, module) != null) {
      float[] delta = adapter.delta(layer, module, shape[0], shape[1]);
      w.addi(Nd4j.create(delta, new long[] {shape[0], shape[1]}, 'c'));
    }
    return w;
  }

  private static INDArray matrix(Checkpoint c, String name, int rows, int cols) {
    return BertEncoder.matrix(c, PREFIX, name, rows, cols);
  }

  private static INDArray vector(Checkpoint c, String name, int n) {
    return Nd4j.create(c.floats(PREFIX, name, n), new long[] {1, n}, 'c');
  }
}
