package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Allowed languages kept, others dropped with their code, short text kept. */
class LanguageFilterTest {
  private static final String ENGLISH =
      "Refunds are issued to the original payment method within five business days of the return"
          + " being received at our warehouse.";
  private static final String GERMAN =
      "Rückerstattungen erfolgen innerhalb von fünf Werktagen nach Eingang der Rücksendung in"
          + " unserem Lager auf das ursprüngliche Zahlungsmittel.";
  private static final String FRENCH =
      "Les remboursements sont effectués sur le moyen de paiement d'origine dans les cinq jours"
          + " ouvrables suivant la réception du retour dans notre entrepôt.";

  @Test
  void otherLanguagesAreDroppedWithTheirCode() {
    LanguageFilter english = new LanguageFilter(List.of("en"), 20);
    assertThat(english.check(ENGLISH)).isEmpty();
    assertThat(english.check(GERMAN)).contains("language_de");
    assertThat(english.check(FRENCH)).contains("language_fr");
  }

  @Test
  void theAllowedListAndShortTextAreRespected() {
    assertThat(new LanguageFilter(List.of("en", "de"), 20).check(GERMAN)).isEmpty();
    assertThat(new LanguageFilter(List.of(), 20).check(FRENCH)).as("no list: all kept").isEmpty();
    assertThat(new LanguageFilter(List.of("en"), 20).check("Danke schön!")).isEmpty();
  }

  @Test
  void englishInCapitalsIsEnglish() {
    // as it is, the detector is sure this is German (high confidence)
    String shouted =
        "THE REFUND IS PAID BACK TO THE CARD THAT WAS USED FOR THE ORDER. OUR SUPPORT TEAM ANSWERS"
            + " EVERY MESSAGE WITHIN ONE WORKING DAY.";
    assertThat(new LanguageFilter(List.of("en"), 20).check(shouted)).isEmpty();
  }
}
