package dev.batchlm.pipeline.infer;

import dev.batchlm.config.BatchConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/** Infer settings for the step tests: the bundled classify prompt, one unpriced model "m". */
final class Settings {
  private Settings() {}

  static InferSettings classify(Path tmp, String... pairs) {
    Map<String, String> values = new HashMap<>();
    values.put("infer.input", quote(tmp.resolve("in").toString()));
    values.put("infer.prompt", "classify");
    values.put("infer.model", "m");
    values.put("infer.base-url", "\"http://127.0.0.1:1/v1\"");
    values.put("infer.unpriced", "true");
    values.put("output.root", quote(tmp.resolve("out").toString()));
    for (int i = 0; i < pairs.length; i += 2) {
      values.put(pairs[i], pairs[i + 1]);
    }
    BatchConfig config =
        BatchConfig.load(java.util.List.of(BatchConfig.parsePairs("test", values)));
    return InferSettings.from(config, new Configuration());
  }

  static String quote(String s) {
    return "\"" + s + "\"";
  }
}
