package dev.batchlm.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A BERT encoder (Hugging Face {@code BertModel}: word + position + token-type embeddings,
 * LayerNorm, post-norm self-attention blocks with a padding mask, GELU feed-forward) on ND4J,
 * eager, in FP32. Built from docs/dl4j-notes.md's safe ops: LayerNorm and GELU composed by hand
 * (ND4J's have no epsilon / approximate GELU), attention from batched matmul, softmax and an
 * additive mask. Weights are read-only after loading, so one instance serves concurrent {@link
 * #hidden} calls from all tasks of an executor.
 */
public final class BertEncoder {
  /**
   * How token vectors become one text vector, as sentence-transformers' {@code Pooling} module
   * defines the modes: the mean, the first ([CLS]) token, the element-wise maximum, or the sum
   * divided by the square root of the token count ({@code mean_sqrt_len_tokens}).
   */
  public enum Pooling {
    MEAN,
    CLS,
    MAX,
    MEAN_SQRT_LEN
  }

  private static final String PREFIX = "bert.";
  private final BertConfig config;
  private final INDArray wordEmbeddings;
  private final INDArray positionEmbeddings;
  private final INDArray tokenTypeEmbeddings;
  private final INDArray embNormGain;
  private final INDArray embNormBias;
  private final Layer[] layers;

  /**
   * One block. Linear weights keep Hugging Face's {@code [out, in]} layout and are applied as
   * {@code x·Wᵀ}: OpenBLAS runs that twice as fast as {@code x·W} on a transposed copy
   * (bench/RESULTS.md); query, key and value are stacked into one matrix, one product for the
   * three.
   */
  private record Layer(
      INDArray qkv,
      INDArray qkvb,
      INDArray o,
      INDArray ob,
      INDArray ln1g,
      INDArray ln1b,
      INDArray up,
      INDArray upb,
      INDArray down,
      INDArray downb,
      INDArray ln2g,
      INDArray ln2b) {}

  public BertEncoder(Checkpoint checkpoint) {
    this.config =
        BertConfig.from(checkpoint.config(), checkpoint.dir().resolve("config.json").toString());
    int h = config.hiddenSize();
    this.wordEmbeddings =
        matrix(checkpoint, "embeddings.word_embeddings.weight", config.vocabSize(), h);
    this.positionEmbeddings =
        matrix(checkpoint, "embeddings.position_embeddings.weight", config.maxPositions(), h);
    this.tokenTypeEmbeddings =
        matrix(checkpoint, "embeddings.token_type_embeddings.weight", config.typeVocabSize(), h);
    this.embNormGain = vector(checkpoint, "embeddings.LayerNorm.weight", h);
    this.embNormBias = vector(checkpoint, "embeddings.LayerNorm.bias", h);
    this.layers = new Layer[config.layers()];
    int f = config.intermediateSize();
    for (int i = 0; i < layers.length; i++) {
      String p = "encoder.layer." + i + ".";
      layers[i] =
          new Layer(
              Nd4j.vstack(
                  linear(checkpoint, p + "attention.self.query.weight", h, h),
                  linear(checkpoint, p + "attention.self.key.weight", h, h),
                  linear(checkpoint, p + "attention.self.value.weight", h, h)),
              Nd4j.hstack(
                  vector(checkpoint, p + "attention.self.query.bias", h),
                  vector(checkpoint, p + "attention.self.key.bias", h),
                  vector(checkpoint, p + "attention.self.value.bias", h)),
              linear(checkpoint, p + "attention.output.dense.weight", h, h),
              vector(checkpoint, p + "attention.output.dense.bias", h),
              vector(checkpoint, p + "attention.output.LayerNorm.weight", h),
              vector(checkpoint, p + "attention.output.LayerNorm.bias", h),
              linear(checkpoint, p + "intermediate.dense.weight", f, h),
              vector(checkpoint, p + "intermediate.dense.bias", f),
              linear(checkpoint, p + "output.dense.weight", h, f),
              vector(checkpoint, p + "output.dense.bias", h),
              vector(checkpoint, p + "output.LayerNorm.weight", h),
              vector(checkpoint, p + "output.LayerNorm.bias", h));
    }
  }

  public BertConfig config() {
    return config;
  }

  /**
   * Last hidden states, {@code [batch * length, hidden]}, row {@code b * length + t}.
   *
   * @param ids token ids, {@code [batch][length]}, each row padded (with any id) to the same length
   * @param lengths the real length of each row; positions at or past it are masked out of attention
   */
  public INDArray hidden(int[][] ids, int[] lengths) {
    return hidden(ids, null, lengths);
  }

  /**
   * Last hidden states as {@link #hidden(int[][], int[])}, with token type ids ({@code
   * [batch][length]}, 0 for a first segment, 1 for a second, as for query/passage pairs; null: all
   * 0).
   */
  public INDArray hidden(int[][] ids, int[][] types, int[] lengths) {
    int batch = ids.length;
    int len = ids[0].length;
    int h = config.hiddenSize();
    if (len > config.maxPositions()) {
      throw new IllegalArgumentException(
          "sequence of "
              + len
              + " tokens is longer than max_position_embeddings "
              + config.maxPositions());
    }
    int[] flat = new int[batch * len];
    int[] typeIds = new int[batch * len];
    int[] positions = new int[batch * len];
    float[] mask = new float[batch * len];
    for (int b = 0; b < batch; b++) {
      for (int t = 0; t < len; t++) {
        flat[b * len + t] = ids[b][t];
        typeIds[b * len + t] = types == null ? 0 : types[b][t];
        positions[b * len + t] = t;
        mask[b * len + t] = t < lengths[b] ? 0f : -1e9f;
      }
    }
    INDArray x =
        Nd4j.pullRows(wordEmbeddings, 1, flat)
            .addi(Nd4j.pullRows(positionEmbeddings, 1, positions))
            .addi(Nd4j.pullRows(tokenTypeEmbeddings, 1, typeIds));
    x = layerNorm(x, embNormGain, embNormBias);
    INDArray additiveMask = Nd4j.createFromArray(mask).reshape(batch, 1, 1, len);
    int heads = config.heads();
    int d = config.headSize();
    double scale = 1.0 / Math.sqrt(d);
    for (Layer l : layers) {
      // [batch*len, 3h] to [3, batch, heads, len, d]: query, key and value heads in one copy
      INDArray qkv =
          Linear.apply(x, l.qkv())
              .addiRowVector(l.qkvb())
              .reshape(batch, len, 3, heads, d)
              .permute(2, 0, 3, 1, 4)
              .dup('c');
      INDArray q = qkv.slice(0);
      INDArray k = qkv.slice(1);
      INDArray v = qkv.slice(2);
      INDArray scores = Nd4j.matmul(q, k, false, true, false).muli(scale).addi(additiveMask);
      INDArray probs = Nd4j.exec(new SoftMax(scores, scores.ulike(), 3))[0];
      INDArray context = Nd4j.matmul(probs, v).permute(0, 2, 1, 3).dup('c').reshape(batch * len, h);
      INDArray attention = Linear.apply(context, l.o()).addiRowVector(l.ob());
      x = layerNorm(x.addi(attention), l.ln1g(), l.ln1b());
      INDArray up = gelu(Linear.apply(x, l.up()).addiRowVector(l.upb()));
      INDArray down = Linear.apply(up, l.down()).addiRowVector(l.downb());
      x = layerNorm(x.addi(down), l.ln2g(), l.ln2b());
    }
    return x;
  }

  /** Pooled (and optionally L2-normalized) text vectors, {@code [batch][hidden]}. */
  public float[][] embed(int[][] ids, int[] lengths, Pooling pooling, boolean normalize) {
    return Scratch.run("bert-embed", () -> pooled(ids, lengths, pooling, normalize));
  }

  private float[][] pooled(int[][] ids, int[] lengths, Pooling pooling, boolean normalize) {
    INDArray x = hidden(ids, lengths);
    int len = ids[0].length;
    int h = config.hiddenSize();
    float[][] out = new float[ids.length][];
    for (int b = 0; b < ids.length; b++) {
      INDArray tokens =
          x.get(
              org.nd4j.linalg.indexing.NDArrayIndex.interval(
                  (long) b * len, (long) b * len + lengths[b]),
              org.nd4j.linalg.indexing.NDArrayIndex.all());
      INDArray rows =
          switch (pooling) {
            case CLS -> x.getRow((long) b * len);
            case MEAN -> tokens.mean(0);
            case MAX -> tokens.max(0);
            case MEAN_SQRT_LEN -> tokens.sum(0).divi(Math.sqrt(lengths[b]));
          };
      float[] vec = rows.reshape(h).toFloatVector();
      if (normalize) {
        double norm = 0;
        for (float f : vec) {
          norm += (double) f * f;
        }
        float inv = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
        for (int i = 0; i < vec.length; i++) {
          vec[i] *= inv;
        }
      }
      out[b] = vec;
    }
    return out;
  }

  /** Row-wise {@code (x - mean) / sqrt(var + eps) * g + b}, with the epsilon ND4J's op lacks. */
  private INDArray layerNorm(INDArray x, INDArray gain, INDArray bias) {
    INDArray centered = x.subColumnVector(x.mean(true, 1));
    INDArray variance = centered.mul(centered).mean(true, 1);
    INDArray inv =
        org.nd4j.linalg.ops.transforms.Transforms.pow(
            variance.addi(config.layerNormEps()), -0.5, false);
    return centered.muliColumnVector(inv).muliRowVector(gain).addiRowVector(bias);
  }

  /** Exact GELU {@code 0.5·x·(1 + erf(x/√2))}, or the tanh form for {@code gelu_new}. */
  private INDArray gelu(INDArray x) {
    if (config.tanhGelu()) {
      INDArray inner = x.mul(x).muli(x).muli(0.044715).addi(x).muli(Math.sqrt(2 / Math.PI));
      INDArray t = Nd4j.exec(new Tanh(inner, inner.ulike()));
      return t.addi(1).muli(x).muli(0.5);
    }
    if (Gelu.applies(x)) {
      return Gelu.applyInPlace(x);
    }
    INDArray scaled = x.mul(1 / Math.sqrt(2));
    INDArray erf = Nd4j.exec(new Erf(scaled, scaled.ulike()));
    return erf.addi(1).muli(x).muli(0.5);
  }

  static INDArray matrix(Checkpoint c, String name, int rows, int cols) {
    return matrix(c, PREFIX, name, rows, cols);
  }

  /** The tensor {@code name} (or {@code prefix + name}) as a {@code [rows, cols]} matrix. */
  static INDArray matrix(Checkpoint c, String prefix, String name, int rows, int cols) {
    return Nd4j.create(c.floats(prefix, name, rows, cols), new long[] {rows, cols}, 'c')
        .castTo(DataType.FLOAT);
  }

  /** An HF linear weight, {@code [out, in]}, for {@link Linear#apply}. */
  static INDArray linear(Checkpoint c, String name, int out, int in) {
    return matrix(c, name, out, in);
  }

  static INDArray vector(Checkpoint c, String name, int n) {
    return Nd4j.create(c.floats(PREFIX, name, n), new long[] {1, n}, 'c');
  }
}
