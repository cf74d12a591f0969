package dev.batchlm.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchlm.finetune.PiiScanner.Kind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Detectors on published test numbers (valid and one digit off) and on text with nothing to find.
 */
class PiiScannerTest {
  private final PiiScanner scanner = new PiiScanner();

  private List<String> found(String text, Kind kind) {
    return scanner.find(text).stream()
        .filter(f -> f.kind() == kind)
        .map(f -> text.substring(f.start(), f.end()))
        .toList();
  }

  @Test
  void cardsCountOnlyWithTheirLuhnDigit() {
    // the card networks' published test numbers
    for (String valid :
        List.of(
            "4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "6011111111111117")) {
      assertThat(found("paid with " + valid + " yesterday", Kind.CARD)).containsExactly(valid);
    }
    assertThat(found("paid with 4111 1111 1111 1112 yesterday", Kind.CARD)).isEmpty();
    assertThat(PiiScanner.validCard("79927398713")).as("Luhn's own example, too short").isFalse();
  }

  @Test
  void ibansCountOnlyWithTheirMod97Checksum() {
    // ISO 13616's and the banks' published examples
    for (String valid :
        List.of(
            "DE89 3704 0044 0532 0130 00",
            "GB82 WEST 1234 5698 7654 32",
            "FR1420041010050500013M02606")) {
      assertThat(found("send it to " + valid + " AND not elsewhere", Kind.IBAN))
          .containsExactly(valid);
    }
    assertThat(found("send it to DE89 3704 0044 0532 0130 01", Kind.IBAN)).isEmpty();
    assertThat(found("send it to GB82 WEST 1234 5698 7654 33", Kind.IBAN)).isEmpty();
  }

  @Test
  void emailsPhonesAddressesAndSecrets() {
    assertThat(found("write to jane.doe+billing@mail.example.co.uk, thanks", Kind.EMAIL))
        .containsExactly("jane.doe+billing@mail.example.co.uk");
    assertThat(found("call +1 (555) 123-4567 or +49 30 1234567 or 555-123-4567.", Kind.PHONE))
        .containsExactly("+1 (555) 123-4567", "+49 30 1234567", "555-123-4567");
    assertThat(found("from 192.168.1.20 and 2001:db8::8a2e:370:7334, not 999.1.1.1", Kind.IP))
        .containsExactly("192.168.1.20", "2001:db8::8a2e:370:7334");
    assertThat(
            found(
                "keys sk-proj-Abcdefghijklmnopqrstuvwx12 and AKIAIOSFODNN7EXAMPLE;"
                    + " config api_key = \"abcd1234efgh5678\"; header Authorization: Bearer"
                    + " eyJhbGciOiJIUzI1NiJ9.e30.sig",
                Kind.SECRET))
        .containsExactly(
            "sk-proj-Abcdefghijklmnopqrstuvwx12",
            "AKIAIOSFODNN7EXAMPLE",
            "abcd1234efgh5678",
            "eyJhbGciOiJIUzI1NiJ9.e30.sig");
  }

  @Test
  void ipv6AddressesAreParsedNotJustShaped() {
    assertThat(PiiScanner.validIpv6("2001:0db8:85a3:0000:0000:8a2e:0370:7334")).isTrue();
    assertThat(PiiScanner.validIpv6("fe80::1")).isTrue();
    assertThat(PiiScanner.validIpv6("12:30:45")).as("a time").isFalse();
    assertThat(PiiScanner.validIpv6("1::2::3")).isFalse();
    assertThat(PiiScanner.validIpv6("1:2:3:4:5:6:7:8:9")).isFalse();
    assertThat(PiiScanner.validIpv6("12345::1")).isFalse();
    assertThat(PiiScanner.validIpv6("::")).isFalse();
  }

  @Test
  void ordinaryTextHasNothing() {
    String text =
        "The meeting is on 2026-12-02 at 10:30:15 in room 4.2; the invoice totals 1,234.56 EUR"
            + " for order 12345 (ref. AB-2026-77). Our token bucket refills at 3 requests per"
            + " second, the password reset page is /reset, and the secret ingredient is salt."
            + " Revenue grew 12.5% to 1 234 567 USD in Q3 2026; call the 3-step process ISO 9001.";
    assertThat(scanner.find(text)).isEmpty();
    assertThat(scanner.mask(text).text()).isEqualTo(text);
  }

  @Test
  void maskingReplacesEachFindingAndCountsItsKind() {
    PiiScanner.Masked m =
        scanner.mask(
            "Mail bob@example.com or ann@example.org, card 4111 1111 1111 1111, from 10.0.0.7. Card 5555555555554444.");

    assertThat(m.text()).isEqualTo("Mail <EMAIL> or <EMAIL>, card <CARD>, from <IP>. Card <CARD>.");
    assertThat(m.counts()).isEqualTo(Map.of(Kind.EMAIL, 2, Kind.CARD, 2, Kind.IP, 1));
    assertThat(m.total()).isEqualTo(5);
  }
}
