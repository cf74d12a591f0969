package dev.batchlm.jobs;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs the batchlm command line in this JVM (on the session the test started) and keeps its output.
 */
final class Cli {
  final int exitCode;
  final String err;

  private Cli(int exitCode, String err) {
    this.exitCode = exitCode;
    this.err = err;
  }

  static Cli run(String... args) {
    CommandLine cli = BatchLm.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Cli(code, err.toString());
  }
}
