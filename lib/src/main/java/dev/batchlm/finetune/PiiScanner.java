package dev.batchlm.finetune;

import java.io.Serializable;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds personal data and secrets in text, and masks them with typed placeholders ({@code
 * <EMAIL>}). Patterns find candidates; a candidate counts only when it passes its check: payment
 * cards their Luhn digit, IBANs their mod-97 checksum, IP addresses a parse, phone numbers a digit
 * count and a shape that dates and amounts do not have. It does not find names, postal addresses or
 * national ids: a team that needs those plugs a stronger detector (Presidio, a NER model) in front
 * of ft-prep and keeps this as the floor.
 *
 * <p>Written here rather than taken from a library: the Java PII libraries are either NER models
 * (too heavy per row at Spark scale) or unmaintained, and each rule here is a few lines with a
 * test.
 */
public final class PiiScanner implements Serializable {
  private static final long serialVersionUID = 1L;

  /** What was found; the placeholder that replaces it when masked. */
  public enum Kind {
    SECRET,
    EMAIL,
    IBAN,
    CARD,
    IP,
    PHONE;

    public String placeholder() {
      return "<" + name() + ">";
    }

    public String column() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One finding: its kind and where it is ({@code end} exclusive). */
  public record Found(Kind kind, int start, int end) implements Serializable {}

  /** Text with its findings masked, and how many of each kind there were. */
  public record Masked(String text, Map<Kind, Integer> counts) implements Serializable {
    public int total() {
      return counts.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  // Provider key formats with a fixed prefix, then "key = value" assignments whose value is masked.
  private static final Pattern SECRET =
      Pattern.compile(
          "\\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}"
              + "|github_pat_[A-Za-z0-9_]{22,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35}"
              + "|hf_[A-Za-z0-9]{30,}|glpat-[A-Za-z0-9_-]{20,})");
  private static final Pattern ASSIGNED_SECRET =
      Pattern.compile(
          "(?i)\\b(?:api[_-]?key|secret|token|password|passwd)[\"']?\\s*[:=]\\s*[\"']?"
              + "([A-Za-z0-9_./+=-]{8,})");
  private static final Pattern BEARER =
      Pattern.compile("(?i)\\bbearer\\s+([A-Za-z0-9_./+=-]{16,})");
  private static final Pattern EMAIL =
      Pattern.compile("\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}\\b");
  private static final Pattern IBAN =
      Pattern.compile("\\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\\b");
  private static final Pattern CARD =
      Pattern.compile("(?<!\\w)(?<![0-9]\\.)(?:[0-9][ -]?){12,18}[0-9](?!\\w|\\.[0-9])");
  private static final Pattern IPV4 =
      Pattern.compile("(?<!\\w)(?<![0-9]\\.)(?:[0-9]{1,3}\\.){3}[0-9]{1,3}(?!\\w|\\.[0-9])");
  private static final Pattern IPV6 =
      Pattern.compile("(?<![\\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\\w:])");
  // International (+country), a bracketed area code, or the North American 3-3-4 shape.
  private static final Pattern PHONE =
      Pattern.compile(
          "(?<![\\w+])(?:\\+[0-9]{1,3}[ .-]?(?:\\([0-9]{1,4}\\)[ .-]?)?[0-9]{1,4}(?:[ .-]?[0-9]{2,4}){1,4}"
              + "|\\([0-9]{2,4}\\)[ .-]?[0-9]{3,4}[ .-]?[0-9]{3,4}"
              + "|[0-9]{3}[.-][0-9]{3}[.-][0-9]{4})(?![\\w])");

  /** All findings, in text order, none overlapping (the kind listed first in {@link Kind} wins). */
  public List<Found> find(String text) {
    List<Found> all = new ArrayList<>();
    add(all, Kind.SECRET, SECRET, text, 0);
    add(all, Kind.SECRET, ASSIGNED_SECRET, text, 1);
    add(all, Kind.SECRET, BEARER, text, 1);
    add(all, Kind.EMAIL, EMAIL, text, 0);
    Matcher m = IBAN.matcher(text);
    while (m.find()) {
      int end = validIbanEnd(m.group());
      if (end > 0) {
        all.add(new Found(Kind.IBAN, m.start(), m.start() + end));
      }
    }
    m = CARD.matcher(text);
    while (m.find()) {
      if (validCard(m.group())) {
        all.add(new Found(Kind.CARD, m.start(), m.end()));
      }
    }
    m = IPV4.matcher(text);
    while (m.find()) {
      if (Arrays.stream(m.group().split("\\.")).allMatch(o -> Integer.parseInt(o) <= 255)) {
        all.add(new Found(Kind.IP, m.start(), m.end()));
      }
    }
    m = IPV6.matcher(text);
    while (m.find()) {
      if (validIpv6(m.group())) {
        all.add(new Found(Kind.IP, m.start(), m.end()));
      }
    }
    m = PHONE.matcher(text);
    while (m.find()) {
      long digits = m.group().chars().filter(Character::isDigit).count();
      if (digits >= 7 && digits <= 15) {
        all.add(new Found(Kind.PHONE, m.start(), m.end()));
      }
    }
    return withoutOverlaps(all);
  }

  /** The text with each finding replaced by its kind's placeholder. */
  public Masked mask(String text) {
    Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    for (Found f : find(text)) {
      out.append(text, at, f.start()).append(f.kind().placeholder());
      at = f.end();
      counts.merge(f.kind(), 1, Integer::sum);
    }
    return new Masked(out.append(text, at, text.length()).toString(), counts);
  }

  private static void add(List<Found> all, Kind kind, Pattern p, String text, int group) {
    Matcher m = p.matcher(text);
    while (m.find()) {
      all.add(new Found(kind, m.start(group), m.end(group)));
    }
  }

  /** Earlier kinds first, then by position; a finding overlapping one already kept is dropped. */
  private static List<Found> withoutOverlaps(List<Found> all) {
    all.sort(Comparator.comparing(Found::kind).thenComparingInt(Found::start));
    List<Found> kept = new ArrayList<>();
    for (Found f : all) {
      if (kept.stream().noneMatch(k -> f.start() < k.end() && k.start() < f.end())) {
        kept.add(f);
      }
    }
    kept.sort(Comparator.comparingInt(Found::start));
    return kept;
  }

  /**
   * Eight groups of 1 to 4 hex digits, or fewer with one {@code ::} standing for the missing zero
   * groups (RFC 4291 section 2.2; the embedded IPv4 form is not looked for). {@code ::} alone, the
   * unspecified address, is not personal data.
   */
  static boolean validIpv6(String candidate) {
    int gap = candidate.indexOf("::");
    if (gap != candidate.lastIndexOf("::") || candidate.equals("::")) {
      return false;
    }
    String[] parts =
        gap < 0
            ? candidate.split(":", -1)
            : (candidate.substring(0, gap) + ":" + candidate.substring(gap + 2)).split(":", -1);
    List<String> groups = Arrays.stream(parts).filter(g -> !g.isEmpty()).toList();
    boolean wellFormed =
        groups.stream().allMatch(g -> g.length() <= 4)
            && (gap >= 0 || groups.size() == parts.length);
    return wellFormed && (gap < 0 ? groups.size() == 8 : groups.size() < 8);
  }

  /** 13 to 19 digits whose last is the Luhn check digit of the others. */
  static boolean validCard(String candidate) {
    String digits = candidate.replaceAll("[ -]", "");
    if (digits.length() < 13 || digits.length() > 19) {
      return false;
    }
    int sum = 0;
    for (int i = 0; i < digits.length(); i++) {
      int d = digits.charAt(digits.length() - 1 - i) - '0';
      if (i % 2 == 1) {
        d = d * 2 > 9 ? d * 2 - 9 : d * 2;
      }
      sum += d;
    }
    return sum % 10 == 0;
  }

  /**
   * The end of the longest valid IBAN the candidate starts with: the pattern also takes in an
   * uppercase word that follows ("DE89 3704 0044 0532 0130 00 AND"); 0 if there is none.
   */
  private static int validIbanEnd(String candidate) {
    for (int end = candidate.length(); end > 0; end = candidate.lastIndexOf(' ', end - 1)) {
      if (validIban(candidate.substring(0, end))) {
        return end;
      }
    }
    return 0;
  }

  /**
   * ISO 13616: 15 to 34 characters, country letters, two check digits; moved to the end with
   * letters as numbers (A = 10 … Z = 35), the whole is 1 modulo 97.
   */
  static boolean validIban(String candidate) {
    String iban = candidate.replace(" ", "");
    if (iban.length() < 15 || iban.length() > 34) {
      return false;
    }
    StringBuilder numeric = new StringBuilder();
    for (char c : (iban.substring(4) + iban.substring(0, 4)).toCharArray()) {
      numeric.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
    }
    return new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
  }
}
