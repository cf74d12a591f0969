package dev.batchlm.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A LLaMA-family decoder (Hugging Face {@code LlamaForCausalLM} and the models that share its
 * shape) on ND4J, eager, in FP32: token embeddings, pre-norm blocks of RMSNorm, grouped-query
 * self-attention with rotary position embeddings (HF's rotate-half convention) and a causal mask,
 * and a SwiGLU MLP, then a final RMSNorm and the output projection (tied to the embeddings or not).
 * The projections run through {@link Linear}; RMSNorm, SwiGLU and attention over the cache are
 * single Java passes ({@link DecoderKernels}), not ND4J's small eager ops.
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
  private final float[] finalNorm;
  private final double[] invFreq; // per pair of a head's dimensions
  private final Layer[] layers;

  /**
   * One block. Linear weights keep HF's {@code [out, in]} layout and are applied as {@code x·Wᵀ}
   * (OpenBLAS is 2–10× faster this way than on {@code [in, out]} for decode-sized rows); q/k/v and
   * gate/up are stacked into one matrix each, so a step runs 4 projections per layer instead of 7.
   */
  private record Layer(
      float[] attnNorm,
      INDArray qkv, // [qd + 2 kvd, hidden]
      INDArray qkvBias, // [1, qd + 2 kvd], null without attention biases
      INDArray o,
      float[] mlpNorm,
      INDArray gateUp, // [2 ffn, hidden]
      INDArray down) {}

  /**
   * Keys and values of the tokens seen so far, per layer {@code [slots, kvHeads, maxLength, d]},
   * and how many tokens each slot holds. Not thread-safe: one per generating thread.
   */
  public static final class KvCache {
    final INDArray[] keys;
    final INDArray[] values;
    final int[] lengths;
    final int maxLength;

    KvCache(LlamaConfig c, int slots, int maxLength) {
      this.maxLength = maxLength;
      this.lengths = new int[slots];
      keys = new INDArray[c.layers()];
      values = new INDArray[c.layers()];
      for (int l = 0; l < c.layers(); l++) {
        keys[l] = Nd4j.create(DataType.FLOAT, slots, c.kvHeads(), maxLength, c.headDim());
        values[l] = Nd4j.create(DataType.FLOAT, slots, c.kvHeads(), maxLength, c.headDim());
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
    this.finalNorm = checkpoint.floats(PREFIX, "norm.weight", h);
    if (adapter != null) {
      adapter.checkFits(config, checkpoint.dir().getFileName().toString());
    }
    this.layers = new Layer[config.layers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "layers." + i + ".self_attn.";
      layers[i] =
          new Layer(
              checkpoint.floats(PREFIX, "layers." + i + ".input_layernorm.weight", h),
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
              checkpoint.floats(PREFIX, "layers." + i + ".post_attention_layernorm.weight", h),
              Nd4j.vstack(
                  projection(checkpoint, adapter, i, "gate_proj"),
                  projection(checkpoint, adapter, i, "up_proj")),
              projection(checkpoint, adapter, i, "down_proj"));
    }
    this.invFreq = config.inverseFrequencies();
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
    return Linear.apply(rmsNorm(forward(ids, firstSlot, cache), finalNorm), output);
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
    return Linear.apply(rmsNorm(last, finalNorm), output);
  }

  /** The final hidden states {@code [rows * length, hidden]}, before the last norm. */
  private INDArray forward(int[][] ids, int firstSlot, KvCache cache) {
    int batch = ids.length;
    int len = ids[0].length;
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
    for (int b = 0; b < batch; b++) {
      System.arraycopy(ids[b], 0, flat, b * len, len);
    }
    DecoderKernels.Positions at = new DecoderKernels.Positions(batch, len, firstSlot, starts);
    float[][] cosSin = DecoderKernels.rotary(at, invFreq);
    INDArray x = Nd4j.pullRows(embeddings, 1, flat);
    for (int l = 0; l < layers.length; l++) {
      Layer w = layers[l];
      INDArray qkv = Linear.apply(rmsNorm(x, w.attnNorm()), w.qkv());
      if (w.qkvBias() != null) {
        qkv.addiRowVector(w.qkvBias());
      }
      INDArray context =
          DecoderKernels.attention(
              qkv,
              at,
              cosSin,
              config.heads(),
              config.kvHeads(),
              config.headDim(),
              cache.keys[l],
              cache.values[l],
              cache.maxLength);
      x.addi(Linear.apply(context, w.o()));
      INDArray gateUp = Linear.apply(rmsNorm(x, w.mlpNorm()), w.gateUp());
      x.addi(Linear.apply(DecoderKernels.swiglu(gateUp, config.intermediateSize()), w.down()));
    }
    for (int b = 0; b < batch; b++) {
      cache.lengths[firstSlot + b] += len;
    }
    return x;
  }

  private INDArray rmsNorm(INDArray x, float[] gain) {
    return DecoderKernels.rmsNorm(x, gain, config.rmsNormEps());
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
