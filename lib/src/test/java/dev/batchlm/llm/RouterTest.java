package dev.batchlm.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchlm.config.ConfigException;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RouterTest {
  static final String ROUTES =
      """
      aliases {
        qa {
          routes = [
            { name = a, base-url = "http://a/v1", model = m1, weight = 3 }
            { name = b, base-url = "http://b/v1", model = m2, weight = 1 }
            { name = long, provider = anthropic, base-url = "http://c/v1", model = m3,
              api-key-env = KEY, max-context-tokens = 200000 }
          ]
        }
        "gpt-4.1" { routes = [ { name = only, base-url = "http://d/v1", model = "gpt-4.1" } ] }
      }
      """;

  @Test
  void splitsByWeightDeterministicallyWithFallbacksAfter() {
    Router router = Router.parse("routes.conf", ROUTES, 1000, 3);
    List<String> firsts =
        IntStream.range(0, 4000)
            .mapToObj(i -> router.chain("qa", "req-" + i).get(0).name())
            .toList();
    long a = firsts.stream().filter("a"::equals).count();
    // 3:1 split; binomial sd over 4000 draws is 27
    assertThat(a).isBetween(2900L, 3100L);
    assertThat(router.chain("qa", "req-7")).isEqualTo(router.chain("qa", "req-7"));
    List<Route> chain = router.chain("qa", "req-1");
    assertThat(chain).hasSize(2);
    assertThat(chain.get(1).name()).isEqualTo("long");
    assertThat(router.chain("gpt-4.1", "x")).extracting(Route::model).containsExactly("gpt-4.1");
  }

  @Test
  void withoutWeightsTheFirstRouteAnswersAndTheRestFallBackInOrder() {
    Router router =
        Router.parse(
            "r.yaml",
            """
            aliases:
              x:
                routes:
                  - {name: one, base-url: "http://1/v1", model: m}
                  - {name: two, base-url: "http://2/v1", model: m}
            """,
            1000,
            3);
    assertThat(router.chain("x", "any")).extracting(Route::name).containsExactly("one", "two");
  }

  @Test
  void namesTheBadAliasOrKey() {
    Router router = Router.parse("routes.conf", ROUTES, 1000, 3);
    assertThatThrownBy(() -> router.chain("qaa", "1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("Unknown model alias 'qaa'")
        .hasMessageContaining("gpt-4.1, qa");
    assertThatThrownBy(
            () ->
                Router.parse(
                    "r.conf",
                    "aliases { x { routes = [ { name = a, base-url = u, model = m, wieght = 1 } ] } }",
                    1,
                    1))
        .hasMessageContaining("r.conf: aliases.x.routes[0]: unknown key 'wieght'");
    assertThatThrownBy(
            () ->
                Router.parse(
                    "r.conf",
                    "aliases { x { routes = [ { name = a, base-url = u, model = m, provider = gemini } ] } }",
                    1,
                    1))
        .hasMessageContaining("provider 'gemini' is not one of [openai, anthropic, local]");
  }
}
