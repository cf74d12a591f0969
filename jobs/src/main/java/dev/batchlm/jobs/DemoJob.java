package dev.batchlm.jobs;

import picocli.CommandLine.Command;

/**
 * The pipeline on the bundled sample with conf/local.conf. bin/batchlm passes {@code --input
 * samples} and {@code --output out/demo} unless given.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Run the pipeline on samples/ with conf/local.conf.")
final class DemoJob extends PipelineJob {
  @Override
  String name() {
    return "demo";
  }
}
