package dev.batchlm.nn;

import java.util.Map;

/**
 * An independent BERT forward pass in double precision with plain loops, written from the BertModel
 * definition (Devlin et al. 2019; Hugging Face modeling_bert.py): no ND4J, no shared code with the
 * encoder under test. One sequence at a time, so padding cannot influence it.
 */
final class ReferenceBert {
  private final Map<String, float[]> w;
  private final int h;
  private final int heads;
  private final int layers;
  private final int inter;
  private final double eps;
  private final boolean tanhGelu;

  ReferenceBert(TinyBert m, boolean tanhGelu) {
    this.w = m.weights;
    this.h = m.hidden;
    this.heads = m.heads;
    this.layers = m.layers;
    this.inter = m.intermediate;
    this.eps = 1e-12;
    this.tanhGelu = tanhGelu;
  }

  /** Hidden states {@code [t][h]} of one unpadded sequence. */
  double[][] hidden(int[] ids) {
    return hidden(ids, new int[ids.length]);
  }

  /** BertForSequenceClassification's logit: tanh pooler on [CLS], then the one-label classifier. */
  double classify(int[] ids, int[] types) {
    double[] cls = hidden(ids, types)[0];
    double[] pooled = new double[h];
    float[] pw = w.get("bert.pooler.dense.weight");
    float[] pb = w.get("bert.pooler.dense.bias");
    for (int o = 0; o < h; o++) {
      double acc = pb[o];
      for (int i = 0; i < h; i++) {
        acc += cls[i] * pw[o * h + i];
      }
      pooled[o] = Math.tanh(acc);
    }
    double logit = w.get("classifier.bias")[0];
    for (int i = 0; i < h; i++) {
      logit += pooled[i] * w.get("classifier.weight")[i];
    }
    return logit;
  }

  /** Hidden states with token type ids (0: first segment, 1: second). */
  double[][] hidden(int[] ids, int[] types) {
    int n = ids.length;
    double[][] x = new double[n][h];
    for (int t = 0; t < n; t++) {
      for (int j = 0; j < h; j++) {
        x[t][j] =
            w.get("embeddings.word_embeddings.weight")[ids[t] * h + j]
                + w.get("embeddings.position_embeddings.weight")[t * h + j]
                + w.get("embeddings.token_type_embeddings.weight")[types[t] * h + j];
      }
      x[t] = norm(x[t], "embeddings.LayerNorm");
    }
    int d = h / heads;
    for (int l = 0; l < layers; l++) {
      String p = "encoder.layer." + l + ".";
      double[][] q = linear(x, p + "attention.self.query", h, h);
      double[][] k = linear(x, p + "attention.self.key", h, h);
      double[][] v = linear(x, p + "attention.self.value", h, h);
      double[][] ctx = new double[n][h];
      for (int hd = 0; hd < heads; hd++) {
        for (int i = 0; i < n; i++) {
          double[] s = new double[n];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < n; j++) {
            double dot = 0;
            for (int c = 0; c < d; c++) {
              dot += q[i][hd * d + c] * k[j][hd * d + c];
            }
            s[j] = dot / Math.sqrt(d);
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (int j = 0; j < n; j++) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
          }
          for (int j = 0; j < n; j++) {
            for (int c = 0; c < d; c++) {
              ctx[i][hd * d + c] += s[j] / sum * v[j][hd * d + c];
            }
          }
        }
      }
      double[][] attn = linear(ctx, p + "attention.output.dense", h, h);
      for (int t = 0; t < n; t++) {
        for (int j = 0; j < h; j++) {
          attn[t][j] += x[t][j];
        }
        x[t] = norm(attn[t], p + "attention.output.LayerNorm");
      }
      double[][] up = linear(x, p + "intermediate.dense", inter, h);
      for (double[] row : up) {
        for (int j = 0; j < inter; j++) {
          row[j] = gelu(row[j]);
        }
      }
      double[][] down = linear(up, p + "output.dense", h, inter);
      for (int t = 0; t < n; t++) {
        for (int j = 0; j < h; j++) {
          down[t][j] += x[t][j];
        }
        x[t] = norm(down[t], p + "output.LayerNorm");
      }
    }
    return x;
  }

  double[] meanPooled(int[] ids, boolean normalize) {
    double[][] x = hidden(ids);
    double[] out = new double[h];
    for (double[] row : x) {
      for (int j = 0; j < h; j++) {
        out[j] += row[j] / x.length;
      }
    }
    if (normalize) {
      double norm = 0;
      for (double v : out) {
        norm += v * v;
      }
      for (int j = 0; j < h; j++) {
        out[j] /= Math.sqrt(norm);
      }
    }
    return out;
  }

  private double[][] linear(double[][] x, String name, int out, int in) {
    float[] wt = w.get(name + ".weight"); // [out, in]
    float[] b = w.get(name + ".bias");
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double acc = b[o];
        for (int i = 0; i < in; i++) {
          acc += x[t][i] * wt[o * in + i];
        }
        y[t][o] = acc;
      }
    }
    return y;
  }

  private double[] norm(double[] x, String name) {
    double mean = 0;
    for (double v : x) {
      mean += v / x.length;
    }
    double var = 0;
    for (double v : x) {
      var += (v - mean) * (v - mean) / x.length;
    }
    float[] g = w.get(name + ".weight");
    float[] b = w.get(name + ".bias");
    double[] y = new double[x.length];
    for (int j = 0; j < x.length; j++) {
      y[j] = (x[j] - mean) / Math.sqrt(var + eps) * g[j] + b[j];
    }
    return y;
  }

  private double gelu(double x) {
    if (tanhGelu) {
      return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
    return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
  }

  /** erf by its Maclaurin series (|x| < 3) or continued fraction; accurate to ~1e-15 here. */
  static double erf(double x) {
    double ax = Math.abs(x);
    double r;
    if (ax < 3) {
      double term = ax;
      double sum = ax;
      for (int n = 1; n < 200; n++) {
        term *= -ax * ax / n;
        double add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17) {
          break;
        }
      }
      r = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // erfc(x) = exp(-x²)/(x√π) · 1/(1 + 1/(2x²)/(1 + 2/(2x²)/(1 + ...))) via a Lentz-free form
      double f = 0;
      for (int n = 60; n >= 1; n--) {
        f = n / 2.0 / (ax + f);
      }
      r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
    }
    return x < 0 ? -r : r;
  }
}
