package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Planted overlaps with evaluation texts are found; near misses and short answers are not. */
class DecontaminationTest {
  private static final String REFERENCE =
      "Refunds are issued to the original payment method within five business days of the return"
          + " being received at our warehouse.";

  private Decontamination index() {
    Decontamination d = new Decontamination(13, 8);
    assertThat(d.add(REFERENCE)).isTrue();
    assertThat(d.add("How long do refunds take to arrive?")).as("7 words: too short").isFalse();
    assertThat(d.add("What happens to my order if the courier loses it?")).isTrue(); // 10 words
    assertThat(d.add("Paris")).isFalse();
    return d;
  }

  @Test
  void aCopiedRunOfThirteenWordsIsFoundWhateverItsCaseAndPunctuation() {
    String training =
        "Good question! REFUNDS are issued to the original payment-method, within five business"
            + " days of the return... we hope that helps.";
    assertThat(index().overlap(training))
        .contains("refunds are issued to the original payment method within five business days of");
  }

  @Test
  void twelveSharedWordsAreNotACopy() {
    // the reference's first 12 words, then different ones
    String training =
        "Refunds are issued to the original payment method within five business days, usually less.";
    assertThat(index().overlap(training)).isEmpty();
  }

  @Test
  void aShortQuestionCopiedWholeIsFound() {
    assertThat(index().overlap("Q: what happens to my order if the courier loses it? A: we resend"))
        .contains("what happens to my order if the courier loses it");
    assertThat(index().overlap("My order: what happens if the courier loses it?")).isEmpty();
    assertThat(index().overlap("How long do refunds take to arrive? About a week.")).isEmpty();
    assertThat(index().overlap("I live in Paris and my parcel is late.")).isEmpty();
  }

  @Test
  void theIndexHoldsEachRunOnce() {
    // 20 words → 8 runs of 13; the 10-word question → 1 run of 10
    assertThat(index().size()).isEqualTo(9);
  }
}
