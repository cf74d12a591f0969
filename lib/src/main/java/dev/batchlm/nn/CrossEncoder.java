package dev.batchlm.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A cross-encoder re-ranker: Hugging Face {@code BertForSequenceClassification} with one output
 * label (MS MARCO cross-encoders have this shape). The [CLS] hidden state goes through BERT's
 * pooler ({@code tanh(W·h + b)}) and the classifier ({@code w·p + b}); the logit is the relevance
 * score. Thread-safe like {@link BertEncoder}.
 */
public final class CrossEncoder {
  private final BertEncoder encoder;
  private final INDArray poolerWeight; // [out, in]
  private final INDArray poolerBias;
  private final INDArray classifierWeight; // [1, hidden]
  private final INDArray classifierBias;

  public CrossEncoder(Checkpoint checkpoint) {
    this.encoder = new BertEncoder(checkpoint);
    int h = encoder.config().hiddenSize();
    int labels =
        checkpoint
            .config()
            .path("num_labels")
            .asInt(
                checkpoint.config().path("id2label").size() == 0
                    ? 1
                    : checkpoint.config().path("id2label").size());
    if (labels != 1) {
      throw new IllegalArgumentException(
          checkpoint.dir().resolve("config.json")
              + ": a re-ranker needs one output label, found "
              + labels);
    }
    this.poolerWeight = BertEncoder.linear(checkpoint, "pooler.dense.weight", h, h);
    this.poolerBias = BertEncoder.vector(checkpoint, "pooler.dense.bias", h);
    this.classifierWeight = BertEncoder.linear(checkpoint, "classifier.weight", 1, h);
    this.classifierBias = BertEncoder.vector(checkpoint, "classifier.bias", 1);
  }

  public BertConfig config() {
    return encoder.config();
  }

  /** One relevance logit per (padded) pair; {@code types} marks the second segment with 1. */
  public float[] scores(int[][] ids, int[][] types, int[] lengths) {
    return Scratch.run("cross-encoder", () -> logits(ids, types, lengths));
  }

  private float[] logits(int[][] ids, int[][] types, int[] lengths) {
    INDArray hidden = encoder.hidden(ids, types, lengths);
    int len = ids[0].length;
    float[] out = new float[ids.length];
    for (int b = 0; b < ids.length; b++) {
      INDArray cls = hidden.getRow((long) b * len).reshape(1, encoder.config().hiddenSize());
      INDArray pooled =
          Transforms.tanh(Linear.apply(cls, poolerWeight).addiRowVector(poolerBias), false);
      out[b] = Linear.apply(pooled, classifierWeight).addiRowVector(classifierBias).getFloat(0);
    }
    return out;
  }
}
