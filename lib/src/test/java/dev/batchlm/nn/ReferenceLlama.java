package dev.batchlm.nn;

/**
 * An independent LLaMA forward pass in double precision with plain loops, written from the
 * published architecture (RMSNorm, rotary embeddings with HF's rotate-half layout and Llama 3
 * frequency scaling, grouped-query causal attention, SwiGLU), reading a {@link TinyLlama}'s weights
 * directly. The decoder under test is compared with it.
 */
final class ReferenceLlama {
  private final TinyLlama m;
  private final double[] invFreq;

  ReferenceLlama(TinyLlama m) {
    this.m = m;
    int half = m.headDim / 2;
    invFreq = new double[half];
    double theta = m.llama3Scaling ? 500000.0 : 10000.0;
    for (int i = 0; i < half; i++) {
      double f = Math.pow(theta, -(2.0 * i) / m.headDim);
      if (m.llama3Scaling) {
        double factor = 8;
        double low = 1;
        double high = 4;
        double original = 64;
        double wavelength = 2 * Math.PI / f;
        if (wavelength > original / low) {
          f = f / factor;
        } else if (wavelength >= original / high) {
          double s = (original / wavelength - low) / (high - low);
          f = (1 - s) * (f / factor) + s * f;
        }
      }
      invFreq[i] = f;
    }
  }

  /** Logits of every position of one sequence, {@code [len][vocab]}. */
  double[][] logits(int[] ids) {
    int len = ids.length;
    double[][] x = new double[len][m.hidden];
    float[] emb = m.weights.get("model.embed_tokens.weight");
    for (int t = 0; t < len; t++) {
      for (int i = 0; i < m.hidden; i++) {
        x[t][i] = emb[ids[t] * m.hidden + i];
      }
    }
    int d = m.headDim;
    int group = m.heads / m.kvHeads;
    for (int l = 0; l < m.layers; l++) {
      String p = "model.layers." + l + ".";
      double[][] q = new double[len][];
      double[][] k = new double[len][];
      double[][] v = new double[len][];
      for (int t = 0; t < len; t++) {
        double[] n = rms(x[t], p + "input_layernorm.weight");
        q[t] = rope(linear(n, p + "self_attn.q_proj"), t, m.heads);
        k[t] = rope(linear(n, p + "self_attn.k_proj"), t, m.kvHeads);
        v[t] = linear(n, p + "self_attn.v_proj");
      }
      double[][] out = new double[len][];
      for (int t = 0; t < len; t++) {
        double[] ctx = new double[m.heads * d];
        for (int h = 0; h < m.heads; h++) {
          int kh = h / group;
          double[] score = new double[t + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int s = 0; s <= t; s++) {
            double dot = 0;
            for (int j = 0; j < d; j++) {
              dot += q[t][h * d + j] * k[s][kh * d + j];
            }
            score[s] = dot / Math.sqrt(d);
            max = Math.max(max, score[s]);
          }
          double sum = 0;
          for (int s = 0; s <= t; s++) {
            score[s] = Math.exp(score[s] - max);
            sum += score[s];
          }
          for (int s = 0; s <= t; s++) {
            for (int j = 0; j < d; j++) {
              ctx[h * d + j] += score[s] / sum * v[s][kh * d + j];
            }
          }
        }
        out[t] = linear(ctx, p + "self_attn.o_proj");
      }
      for (int t = 0; t < len; t++) {
        for (int i = 0; i < m.hidden; i++) {
          x[t][i] += out[t][i];
        }
        double[] n = rms(x[t], p + "post_attention_layernorm.weight");
        double[] gate = linear(n, p + "mlp.gate_proj");
        double[] up = linear(n, p + "mlp.up_proj");
        double[] act = new double[gate.length];
        for (int i = 0; i < act.length; i++) {
          act[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        }
        double[] down = linear(act, p + "mlp.down_proj");
        for (int i = 0; i < m.hidden; i++) {
          x[t][i] += down[i];
        }
      }
    }
    double[][] logits = new double[len][];
    String head = m.tied ? "model.embed_tokens" : "lm_head";
    for (int t = 0; t < len; t++) {
      logits[t] = linear(rms(x[t], "model.norm.weight"), head);
    }
    return logits;
  }

  private double[] rms(double[] x, String gain) {
    float[] g = m.weights.get(gain);
    double ms = 0;
    for (double xi : x) {
      ms += xi * xi;
    }
    double inv = 1 / Math.sqrt(ms / x.length + m.eps);
    double[] out = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      out[i] = x[i] * inv * g[i];
    }
    return out;
  }

  /** {@code W·x (+ b)} with W as stored, {@code [out, in]}. */
  private double[] linear(double[] x, String name) {
    float[] w = m.weights.get(name + ".weight");
    float[] b = m.weights.get(name + ".bias");
    int out = w.length / x.length;
    double[] y = new double[out];
    for (int o = 0; o < out; o++) {
      double s = b == null ? 0 : b[o];
      for (int i = 0; i < x.length; i++) {
        s += w[o * x.length + i] * x[i];
      }
      y[o] = s;
    }
    return y;
  }

  private double[] rope(double[] x, int position, int heads) {
    int d = m.headDim;
    int half = d / 2;
    double[] out = new double[x.length];
    for (int h = 0; h < heads; h++) {
      for (int j = 0; j < d; j++) {
        double angle = position * invFreq[j % half];
        double rotated = j < half ? -x[h * d + j + half] : x[h * d + j - half];
        out[h * d + j] = x[h * d + j] * Math.cos(angle) + rotated * Math.sin(angle);
      }
    }
    return out;
  }
}
