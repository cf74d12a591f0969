package dev.batchlm.nn;

import java.util.Arrays;
import java.util.Set;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Generates a continuation of one prompt with a {@link LlamaDecoder}: prefill, then one cached step
 * per token, until a stop token, a stop condition on the text so far, or {@code maxTokens} (or the
 * end of the context window). Reports the finish reason in OpenAI's words and exact token counts.
 * Thread-safe as the decoder is: each call has its own cache and sampler.
 */
public final class Generator {
  private final LlamaDecoder decoder;

  /** What was generated: the new tokens, why it stopped, the prompt's and the answer's lengths. */
  public record Output(int[] tokens, String finishReason, int promptTokens) {
    public int completionTokens() {
      return tokens.length;
    }
  }

  public Generator(LlamaDecoder decoder) {
    this.decoder = decoder;
  }

  /**
   * @param stopTokens end-of-sequence ids (not part of the output)
   * @param stopAfter given the tokens generated so far, whether a stop string has appeared (checked
   *     after each token; the caller trims the text)
   * @throws IllegalArgumentException when the prompt alone fills the context window
   */
  public Output generate(
      int[] prompt,
      int maxTokens,
      Sampler.Settings sampling,
      Set<Integer> stopTokens,
      Predicate<int[]> stopAfter) {
    int window = decoder.config().maxPositions();
    if (prompt.length == 0 || prompt.length >= window) {
      throw new IllegalArgumentException(
          "a prompt of "
              + prompt.length
              + " tokens does not fit the model's context window of "
              + window
              + " tokens");
    }
    int budget = Math.min(maxTokens, window - prompt.length);
    LlamaDecoder.KvCache cache = decoder.newCache(1, prompt.length + budget);
    Sampler sampler = new Sampler(sampling);
    int[] out = new int[budget];
    int n = 0;
    INDArray logits = decoder.logits(new int[][] {prompt}, cache);
    float[] last = logits.getRow(logits.rows() - 1).toFloatVector();
    while (n < budget) {
      int next = sampler.next(last);
      if (stopTokens.contains(next)) {
        return new Output(Arrays.copyOf(out, n), "stop", prompt.length);
      }
      out[n++] = next;
      if (stopAfter.test(Arrays.copyOf(out, n))) {
        return new Output(Arrays.copyOf(out, n), "stop", prompt.length);
      }
      if (n < budget) {
        last = decoder.logits(new int[][] {{next}}, cache).getRow(0).toFloatVector();
      }
    }
    return new Output(out, "length", prompt.length);
  }
}
