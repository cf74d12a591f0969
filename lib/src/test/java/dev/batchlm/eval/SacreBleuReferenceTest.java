package dev.batchlm.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BLEU and chrF against sacreBLEU 2.6.0 itself on 300 seeded random texts (punctuation, numbers,
 * hyphens, entities, quotes, accents, CJK, empty texts, one or two references), computed by
 * tools/device/sacrebleu_reference.py: the 13a tokens, sentence BLEU and chrF with the defaults,
 * and corpus BLEU and chrF over two reference streams.
 */
class SacreBleuReferenceTest {
  @Test
  void matchesSacreBleuOnRandomTexts() throws Exception {
    JsonNode ref =
        new ObjectMapper()
            .readTree(getClass().getResourceAsStream("/eval/sacrebleu-reference.json"));
    Bleu bleu = Bleu.standard();
    Chrf chrf = Chrf.standard();
    Bleu.Stats corpusBleu = Bleu.Stats.zero();
    double[] corpusChrf = null;
    int i = 0;
    for (JsonNode c : ref.path("cases")) {
      String hyp = c.path("hyp").asText();
      List<String> refs = new ArrayList<>();
      c.path("refs").forEach(r -> refs.add(r.asText()));
      assertThat(String.join(" ", bleu.tokens(hyp)))
          .as("13a tokens of case %d: %s", i, hyp)
          .isEqualTo(c.path("tokens_13a").asText());
      assertThat(bleu.sentenceScore(hyp, refs))
          .as("sentence BLEU of case %d", i)
          .isCloseTo(c.path("sentence_bleu").asDouble(), within(1e-9));
      assertThat(chrf.sentenceScore(hyp, refs))
          .as("sentence chrF of case %d", i)
          .isCloseTo(c.path("sentence_chrf").asDouble(), within(1e-9));
      // corpus: the two streams are the first and the last reference of each case
      List<String> streams = List.of(refs.get(0), refs.get(refs.size() - 1));
      corpusBleu = corpusBleu.plus(bleu.stats(hyp, streams));
      double[] s = chrf.stats(hyp, streams);
      if (corpusChrf == null) {
        corpusChrf = s;
      } else {
        for (int j = 0; j < s.length; j++) {
          corpusChrf[j] += s[j];
        }
      }
      i++;
    }
    assertThat(i).isEqualTo(300);
    assertThat(bleu.corpusScore(corpusBleu))
        .isCloseTo(ref.path("corpus_bleu").asDouble(), within(1e-9));
    assertThat(chrf.score(corpusChrf)).isCloseTo(ref.path("corpus_chrf").asDouble(), within(1e-9));
  }
}
