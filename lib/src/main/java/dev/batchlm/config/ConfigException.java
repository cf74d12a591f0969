package dev.batchlm.config;

/**
 * A job-level configuration or input problem found before any work starts. The message names the
 * key, path or value and says what to do; the launcher prints it as one line and exits non-zero.
 */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
