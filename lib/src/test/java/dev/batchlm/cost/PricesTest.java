package dev.batchlm.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.batchlm.config.ConfigException;
import dev.batchlm.llm.Route;
import dev.batchlm.llm.TokenUsage;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PricesTest {
  static Route route(String provider, String model, boolean unpriced) {
    return new Route(
        "r",
        provider,
        "http://x/v1",
        model,
        "",
        "",
        null,
        Map.of(),
        0,
        0,
        0,
        0,
        1000,
        1,
        unpriced,
        "",
        false);
  }

  @Test
  void costsUncachedCachedAndOutputTokensAtTheirRates() {
    Prices prices =
        Prices.parse(
            "prices.conf",
            "prices = [ { provider = openai, model = \"gpt-4o-mini\", input = 0.15,"
                + " cached-input = 0.075, output = 0.60 } ]");
    Price p = prices.forRoute(route("openai", "gpt-4o-mini", false)).orElseThrow();
    // 1000 input of which 400 cached, 200 output (incl. 50 reasoning):
    // 600 * 0.15/1e6 + 400 * 0.075/1e6 + 200 * 0.60/1e6 = 0.00009 + 0.00003 + 0.00012
    assertThat(p.cost(new TokenUsage(1000, 200, 400, 50))).isCloseTo(0.00024, within(1e-12));
  }

  @Test
  void aLocalModelCostsItsDeviceTime() {
    Prices prices =
        Prices.parse(
            "prices.conf", "prices = [ { provider = local, model = tiny, device-hour = 2.5 } ]");
    Price p = prices.forRoute(route("local", "tiny", false)).orElseThrow();
    // 90 s at 2.5 USD per hour = 0.0625 USD; tokens are free
    assertThat(p.cost(new TokenUsage(1000, 200, 0, 0), 90_000)).isCloseTo(0.0625, within(1e-12));
  }

  @Test
  void aLocalCheckpointIsPricedByItsPortableNameOrItsFolderName() {
    Prices prices =
        Prices.parse(
            "prices.conf",
            "prices = [ { provider = local, model = \"tiny@0123456789ab\", device-hour = 1 },"
                + " { provider = local, model = tiny, device-hour = 2 } ]");
    assertThat(
            prices.forRoute(route("local", "tiny@0123456789ab", false)).orElseThrow().deviceHour())
        .isEqualTo(1.0);
    assertThat(
            prices.forRoute(route("local", "tiny@ffffffffffff", false)).orElseThrow().deviceHour())
        .isEqualTo(2.0);
    assertThatThrownBy(() -> prices.forRoute(route("local", "other@0123456789ab", false)))
        .hasMessageContaining("No price for local/other@0123456789ab");
  }

  @Test
  void aModelWithoutPriceFailsUnlessMarkedUnpriced() {
    Prices prices = Prices.parse("prices.conf", "prices = []");
    assertThatThrownBy(() -> prices.forRoute(route("openai", "llama", false)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("No price for openai/llama (route r) in prices.conf")
        .hasMessageContaining("unpriced");
    assertThat(prices.forRoute(route("openai", "llama", true))).isEmpty();
  }

  @Test
  void theBundledTableParses() throws Exception {
    String text = java.nio.file.Files.readString(java.nio.file.Path.of("../conf/prices.conf"));
    Prices prices = Prices.parse("conf/prices.conf", text);
    assertThat(prices.forRoute(route("openai", "gpt-4o-mini", false))).isPresent();
    assertThat(prices.forRoute(route("anthropic", "claude-3-5-haiku-20241022", false))).isPresent();
  }

  @Test
  void aBudgetReservesWorstCaseAndSettlesActual() {
    Budget b = new Budget(1.0);
    assertThat(b.tryReserve(0.6)).isTrue();
    assertThat(b.tryReserve(0.6)).isFalse();
    b.settle(0.6, 0.1);
    assertThat(b.tryReserve(0.6)).isTrue();
    assertThat(b.committedUsd()).isCloseTo(0.7, within(1e-12));
  }
}
