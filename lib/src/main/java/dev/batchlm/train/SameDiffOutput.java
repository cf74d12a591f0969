package dev.batchlm.train;

import java.io.PrintStream;

/**
 * SameDiff M2.1 prints "Added differentiated op …" to {@code System.out} for every op when it
 * builds a gradient function: hundreds of lines per graph in an executor's log. This filter drops
 * exactly those lines and passes everything else; installed once per JVM.
 */
final class SameDiffOutput {
  private static final String NOISE = "Added differentiated op ";
  private static boolean installed;

  private SameDiffOutput() {}

  static synchronized void quiet() {
    if (!installed) {
      System.setOut(new Filter(System.out));
      installed = true;
    }
  }

  private static final class Filter extends PrintStream {
    Filter(PrintStream out) {
      super(out, true);
    }

    @Override
    public void println(String line) {
      if (line == null || !line.startsWith(NOISE)) {
        super.println(line);
      }
    }
  }
}
