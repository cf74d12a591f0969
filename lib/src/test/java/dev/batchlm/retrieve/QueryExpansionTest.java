package dev.batchlm.retrieve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryExpansionTest {
  @Test
  void stepsCountFromTheQuestionAndRepeatsAreNotAdded() {
    QueryExpansion plan = new QueryExpansion();
    assertThat(plan.add("q1", "multi-step", "Who signs expenses?")).isTrue();
    assertThat(plan.add("q1", "multi-step", "  who signs   EXPENSES? ")).isFalse();
    assertThat(plan.add("q1", "multi-step", " ")).isFalse();
    assertThat(plan.add("q1", "multi-step", null)).isFalse();
    assertThat(plan.add("q1", "multi-step", "expense approval limit")).isTrue();

    assertThat(plan.queries("q1", "multi-step"))
        .containsExactly("Who signs expenses?", "expense approval limit");
    assertThat(plan.steps()).extracting(QueryExpansion.Step::step).containsExactly(1, 2);
    assertThat(plan.queries("q2", "multi-step")).isEmpty();
  }

  @Test
  void aTextIsRankedOncePerQuestionHoweverManyMethodsFuseIt() {
    QueryExpansion plan = new QueryExpansion();
    plan.add("q1", "multi-query", "badge pickup");
    plan.add("q1", "hyde", "badge pickup");
    plan.add("q2", "hyde", "badge pickup");
    plan.add("q1", "multi-query", "where to get the badge");

    assertThat(plan.takeUnranked())
        .hasSize(3)
        .containsValues("badge pickup", "where to get the badge");
    assertThat(plan.takeUnranked()).isEmpty();
    List<QueryExpansion.Step> steps = plan.steps();
    assertThat(steps.get(0).key()).isEqualTo(steps.get(2).key()); // q1's question, both methods
    assertThat(steps.get(0).key()).isNotEqualTo(steps.get(3).key()); // q2's is its own
    assertThat(steps.get(1).step()).isEqualTo(2);

    plan.add("q1", "multi-step", "where to get the badge"); // ranked already, for multi-query
    assertThat(plan.takeUnranked()).isEmpty();
  }

  @Test
  void answersAreReadLeniently() throws Exception {
    ObjectMapper json = new ObjectMapper();
    assertThat(
            QueryExpansion.paraphrases(json.readTree("{\"queries\": [\"a\", 3, \"b\", \"c\"]}"), 2))
        .containsExactly("a", "b");
    assertThat(QueryExpansion.paraphrases(json.readTree("{}"), 3)).isEmpty();
    assertThat(QueryExpansion.nextQuery(json.readTree("{\"next_query\": \"x y\"}")))
        .isEqualTo("x y");
    assertThat(QueryExpansion.nextQuery(json.readTree("{\"next_query\": null}"))).isEmpty();
  }
}
