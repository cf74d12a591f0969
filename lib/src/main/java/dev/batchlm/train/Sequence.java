package dev.batchlm.train;

/**
 * One row of training input: token ids, labels ({@code -100}: not trained; else the token itself,
 * which the position before learns to predict, as Hugging Face aligns them), each token's position,
 * and the lengths of the examples packed into it (one length for an unpacked example). Attention
 * never crosses examples.
 */
public record Sequence(int[] inputIds, int[] labels, int[] positionIds, int[] exampleLengths)
    implements java.io.Serializable {
  public static final int IGNORED = -100;

  public Sequence {
    if (labels.length != inputIds.length || positionIds.length != inputIds.length) {
      throw new IllegalArgumentException("input_ids, labels and position_ids differ in length");
    }
    int sum = 0;
    for (int len : exampleLengths) {
      sum += len;
    }
    if (sum != inputIds.length) {
      throw new IllegalArgumentException(
          "example lengths add up to " + sum + ", not the " + inputIds.length + " tokens");
    }
  }

  /** One example: positions from 0. */
  public static Sequence of(int[] inputIds, int[] labels) {
    int[] positions = new int[inputIds.length];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = i;
    }
    return new Sequence(inputIds, labels, positions, new int[] {inputIds.length});
  }

  /**
   * The examples packed into this row, each on its own: attention never crosses them and their
   * positions restart, so running them apart computes exactly the same, without the attention a
   * long packed row would spend between examples.
   */
  public java.util.List<Sequence> examples() {
    if (exampleLengths.length == 1) {
      return java.util.List.of(this);
    }
    java.util.List<Sequence> out = new java.util.ArrayList<>();
    int at = 0;
    for (int len : exampleLengths) {
      out.add(
          new Sequence(
              java.util.Arrays.copyOfRange(inputIds, at, at + len),
              java.util.Arrays.copyOfRange(labels, at, at + len),
              java.util.Arrays.copyOfRange(positionIds, at, at + len),
              new int[] {len}));
      at += len;
    }
    return out;
  }

  public int length() {
    return inputIds.length;
  }

  /** Tokens the loss is computed on (their labels are set). */
  public int trainedTokens() {
    int n = 0;
    for (int i = 1; i < labels.length; i++) { // the first token is predicted from nothing
      if (labels[i] != IGNORED) {
        n++;
      }
    }
    return n;
  }
}
