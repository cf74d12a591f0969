package dev.batchlm.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A LLaMA-family decoder (Hugging Face {@code LlamaForCausalLM} and the models that share its
 * shape) on ND4J, eager, in FP32: token embeddings, pre-norm blocks of RMSNorm, grouped-query
 * self-attention with rotary position embeddings (HF's rotate-half convention) and a causal mask,
 * and a SwiGLU MLP, then a final RMSNorm and the output projection (tied to the embeddings or not).
 * RMSNorm, SiLU and attention are composed from plain ops, as DL4J-NOTES.md advises.
 *
 * <p>{@link #logits} runs new tokens of a batch of equal-length rows against a {@link KvCache}
 * holding the earlier ones: one call with the whole prompt (prefill), then one per generated token.
 * Weights are read-only after loading: one instance serves all tasks of an executor, each with its
 * own caches.
 */
public final class LlamaDecoder {
  private static final String PREFIX = "model.";
  private final LlamaConfig config;
  private final INDArray embeddings; // [vocab, hidden]
  private final INDArray outputT; // [hidden, vocab]
  private final INDArray finalNorm;
  private final INDArray invFreq; // [1, headDim/2]
  private final Layer[] layers;

  /** One block; linear weights stored transposed, [in, out]; biases null when absent. */
  private record Layer(
      INDArray attnNorm,
      INDArray q,
      INDArray qb,
      INDArray k,
      INDArray kb,
      INDArray v,
      INDArray vb,
      INDArray o,
      INDArray mlpNorm,
      INDArray gate,
      INDArray up,
      INDArray down) {}

  /** Keys and values of the tokens seen so far, per layer: {@code [batch, kvHeads, max, d]}. */
  public static final class KvCache {
    final INDArray[] keys;
    final INDArray[] values;
    int length;

    KvCache(LlamaConfig c, int batch, int maxLength) {
      keys = new INDArray[c.layers()];
      values = new INDArray[c.layers()];
      for (int l = 0; l < c.layers(); l++) {
        keys[l] = Nd4j.create(DataType.FLOAT, batch, c.kvHeads(), maxLength, c.headDim());
        values[l] = Nd4j.create(DataType.FLOAT, batch, c.kvHeads(), maxLength, c.headDim());
      }
    }

    /** Tokens cached so far (every row has as many). */
    public int length() {
      return length;
    }
  }

  public LlamaDecoder(Checkpoint checkpoint) {
    this.config =
        LlamaConfig.from(checkpoint.config(), checkpoint.dir().resolve("config.json").toString());
    int h = config.hiddenSize();
    int qd = config.heads() * config.headDim();
    int kvd = config.kvHeads() * config.headDim();
    int f = config.intermediateSize();
    this.embeddings = matrix(checkpoint, "embed_tokens.weight", config.vocabSize(), h);
    this.outputT =
        config.tiedEmbeddings()
            ? embeddings.transpose().dup('c')
            : linear(checkpoint, "lm_head.weight", config.vocabSize(), h);
    this.finalNorm = vector(checkpoint, "norm.weight", h);
    this.layers = new Layer[config.layers()];
    for (int i = 0; i < layers.length; i++) {
      String p = "layers." + i + ".";
      boolean bias = config.attentionBias();
      layers[i] =
          new Layer(
              vector(checkpoint, p + "input_layernorm.weight", h),
              linear(checkpoint, p + "self_attn.q_proj.weight", qd, h),
              bias ? vector(checkpoint, p + "self_attn.q_proj.bias", qd) : null,
              linear(checkpoint, p + "self_attn.k_proj.weight", kvd, h),
              bias ? vector(checkpoint, p + "self_attn.k_proj.bias", kvd) : null,
              linear(checkpoint, p + "self_attn.v_proj.weight", kvd, h),
              bias ? vector(checkpoint, p + "self_attn.v_proj.bias", kvd) : null,
              linear(checkpoint, p + "self_attn.o_proj.weight", h, qd),
              vector(checkpoint, p + "post_attention_layernorm.weight", h),
              linear(checkpoint, p + "mlp.gate_proj.weight", f, h),
              linear(checkpoint, p + "mlp.up_proj.weight", f, h),
              linear(checkpoint, p + "mlp.down_proj.weight", h, f));
    }
    double[] inv = config.inverseFrequencies();
    this.invFreq = Nd4j.createFromArray(inv).castTo(DataType.FLOAT).reshape(1, inv.length);
  }

  public LlamaConfig config() {
    return config;
  }

  public KvCache newCache(int batch, int maxLength) {
    if (maxLength > config.maxPositions()) {
      throw new IllegalArgumentException(
          "a cache of "
              + maxLength
              + " tokens is longer than max_position_embeddings "
              + config.maxPositions());
    }
    return new KvCache(config, batch, maxLength);
  }

  /**
   * Logits of the new tokens, {@code [batch * length, vocab]} (row {@code b * length + t}), after
   * the tokens already in {@code cache}, which then holds the new ones too.
   *
   * @param ids new tokens, {@code [batch][length]}; every row the same length
   */
  public INDArray logits(int[][] ids, KvCache cache) {
    int batch = ids.length;
    int len = ids[0].length;
    int start = cache.length;
    int end = start + len;
    if (end > cache.keys[0].size(2)) {
      throw new IllegalArgumentException(
          (end) + " tokens do not fit a cache of " + cache.keys[0].size(2));
    }
    int[] flat = new int[batch * len];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(ids[b], 0, flat, b * len, len);
    }
    int d = config.headDim();
    int heads = config.heads();
    int kvHeads = config.kvHeads();
    INDArray[] cosSin = rotary(start, len);
    // causal: new token t (position start + t) sees keys 0 .. start + t
    float[] mask = new float[len * end];
    for (int t = 0; t < len; t++) {
      for (int j = 0; j < end; j++) {
        mask[t * end + j] = j <= start + t ? 0f : -1e9f;
      }
    }
    INDArray causal = Nd4j.createFromArray(mask).reshape(1, 1, len, end);
    double scale = 1.0 / Math.sqrt(d);
    INDArray x = Nd4j.pullRows(embeddings, 1, flat);
    for (int l = 0; l < layers.length; l++) {
      Layer w = layers[l];
      INDArray n = rmsNorm(x, w.attnNorm());
      INDArray q = rope(heads(project(n, w.q(), w.qb()), batch, len, heads, d), cosSin);
      INDArray k = rope(heads(project(n, w.k(), w.kb()), batch, len, kvHeads, d), cosSin);
      INDArray v = heads(project(n, w.v(), w.vb()), batch, len, kvHeads, d);
      cache
          .keys[l]
          .get(
              NDArrayIndex.all(),
              NDArrayIndex.all(),
              NDArrayIndex.interval(start, end),
              NDArrayIndex.all())
          .assign(k);
      cache
          .values[l]
          .get(
              NDArrayIndex.all(),
              NDArrayIndex.all(),
              NDArrayIndex.interval(start, end),
              NDArrayIndex.all())
          .assign(v);
      INDArray keys =
          expand(
              cache.keys[l].get(
                  NDArrayIndex.all(),
                  NDArrayIndex.all(),
                  NDArrayIndex.interval(0, end),
                  NDArrayIndex.all()));
      INDArray values =
          expand(
              cache.values[l].get(
                  NDArrayIndex.all(),
                  NDArrayIndex.all(),
                  NDArrayIndex.interval(0, end),
                  NDArrayIndex.all()));
      INDArray scores = Nd4j.matmul(q, keys, false, true, false).muli(scale).addi(causal);
      INDArray probs = Nd4j.exec(new SoftMax(scores, scores.ulike(), 3))[0];
      INDArray context =
          Nd4j.matmul(probs, values).permute(0, 2, 1, 3).dup('c').reshape(batch * len, heads * d);
      x = x.add(context.mmul(w.o()));
      INDArray m = rmsNorm(x, w.mlpNorm());
      INDArray gate = m.mmul(w.gate());
      INDArray act = Transforms.sigmoid(gate, true).muli(gate).muli(m.mmul(w.up()));
      x = x.addi(act.mmul(w.down()));
    }
    cache.length = end;
    return rmsNorm(x, finalNorm).mmul(outputT);
  }

  private static INDArray project(INDArray x, INDArray w, INDArray bias) {
    INDArray y = x.mmul(w);
    return bias == null ? y : y.addiRowVector(bias);
  }

  /** {@code [batch*len, heads*d]} to {@code [batch, heads, len, d]}. */
  private static INDArray heads(INDArray x, int batch, int len, int heads, int d) {
    return x.reshape(batch, len, heads, d).permute(0, 2, 1, 3).dup('c');
  }

  /** Each key/value head serves {@code heads / kvHeads} consecutive query heads. */
  private INDArray expand(INDArray kv) {
    int group = config.heads() / config.kvHeads();
    return group == 1 ? kv.dup('c') : kv.repeat(1, group);
  }

  /** cos and sin of positions {@code start .. start+len-1}, {@code [1, 1, len, d]} each. */
  private INDArray[] rotary(int start, int len) {
    INDArray positions = Nd4j.arange(start, start + len).castTo(DataType.FLOAT).reshape(len, 1);
    INDArray angles = positions.mmul(invFreq); // [len, d/2]
    INDArray full = Nd4j.concat(1, angles, angles); // HF: cat(freqs, freqs)
    int d = config.headDim();
    return new INDArray[] {
      Transforms.cos(full, true).reshape(1, 1, len, d),
      Transforms.sin(full, true).reshape(1, 1, len, d)
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

  private static INDArray matrix(Checkpoint c, String name, int rows, int cols) {
    return BertEncoder.matrix(c, PREFIX, name, rows, cols);
  }

  private static INDArray linear(Checkpoint c, String name, int out, int in) {
    return matrix(c, name, out, in).transpose().dup('c');
  }

  private static INDArray vector(Checkpoint c, String name, int n) {
    return Nd4j.create(c.floats(PREFIX, name, n), new long[] {1, n}, 'c');
  }
}
