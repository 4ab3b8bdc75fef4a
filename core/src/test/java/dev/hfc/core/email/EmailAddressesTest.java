package dev.hfc.core.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.IDN;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmailAddressesTest {

    // ---- examples

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Anna@Bücher.Example",
                "anna@xn--bcher-kva.example",
                "ANNA@XN--BCHER-KVA.EXAMPLE.",
                "anna@BÜCHER.example",
                "  Anna@bücher.example.\t\n",
                "aNNa@Xn--Bcher-Kva.Example"
            })
    void unicodeAndPunycodeInAnyCaseGiveTheSameForm(String address) {
        assertThat(EmailAddresses.canonical(address)).isEqualTo("anna@xn--bcher-kva.example");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"Jamie@x.com", "jamie@x.com", "JAMIE@X.COM", "jAmIe@X.cOm", "jamie@x.com.", " jamie@x.com "})
    void caseVariantsAreTheSamePerson(String address) {
        assertThat(EmailAddresses.canonical(address)).isEqualTo("jamie@x.com");
    }

    @Test
    void nonAsciiLocalPartsAreLowerCasedNotEncoded() {
        assertThat(EmailAddresses.canonical("JÖRG.Müller@Example.DE")).isEqualTo("jörg.müller@example.de");
        assertThat(EmailAddresses.canonical("ΑΛΈΞΗΣ@παράδειγμα.δοκιμή"))
                .isEqualTo("αλέξης@" + IDN.toASCII("παράδειγμα.δοκιμή"))
                .isEqualTo("αλέξης@xn--hxajbheg2az3al.xn--jxalpdlp");
    }

    @Test
    void otherIdnaFullStopsSeparateLabelsAndOneMayEndTheDomain() {
        assertThat(EmailAddresses.canonical("a@b\u3002C\uFF0Ed\uFF61")).isEqualTo("a@b.c.d");
    }

    @Test
    void onlyOneTrailingFullStopIsTheRoot() {
        assertThatThrownBy(() -> EmailAddresses.canonical("a@x.com.."))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'a@x.com..' is not an email address: the domain has an empty label");
    }

    @Test
    void splitsAtTheLastAt() {
        assertThat(EmailAddresses.canonical("\"A@B\"@Example.COM")).isEqualTo("\"a@b\"@example.com");
        assertThat(EmailAddresses.canonical("a@b@c")).isEqualTo("a@b@c");
    }

    @Test
    void plusAndDotsInTheLocalPartAreKept() {
        // Provider-specific rules (gmail's dots and +tags) are deliberately not applied.
        assertThat(EmailAddresses.canonical("First.Last+News@Gmail.com")).isEqualTo("first.last+news@gmail.com");
    }

    @Test
    void tryCanonicalWrapsTheResult() {
        assertThat(EmailAddresses.tryCanonical(" Jamie@X.com")).contains("jamie@x.com");
        assertThat(EmailAddresses.tryCanonical("jamie")).isEmpty();
        assertThat(EmailAddresses.tryCanonical(null)).isEmpty();
    }

    // ---- errors

    @Test
    void nullIsRejected() {
        assertThatThrownBy(() -> EmailAddresses.canonical(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("null is not an email address");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "jamie", "jamie.x.com", "jamie\uFF20x.com"})
    void noAtIsRejected(String address) {
        assertThatThrownBy(() -> EmailAddresses.canonical(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + address + "' is not an email address: no '@'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"@x.com", " @x.com", "@"})
    void emptyLocalPartIsRejected(String address) {
        assertThatThrownBy(() -> EmailAddresses.canonical(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + address + "' is not an email address: empty local part before the '@'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jamie@", "jamie@ ", "jamie@.", "jamie@\u3002"})
    void emptyDomainIsRejected(String address) {
        assertThatThrownBy(() -> EmailAddresses.canonical(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + address + "' is not an email address: empty domain after the '@'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"jamie@x..com", "jamie@.x.com", "jamie@..", "jamie@x.com.."})
    void emptyLabelsAreRejected(String address) {
        assertThatThrownBy(() -> EmailAddresses.canonical(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + address + "' is not an email address: ")
                .hasMessageContaining("label");
    }

    @Test
    void idnaFailureIsWrapped() {
        String address = "jamie@" + "a".repeat(64) + ".com";
        assertThatThrownBy(() -> EmailAddresses.canonical(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'" + address + "' is not an email address: "
                        + "the domain is not a valid internationalised domain name (")
                .cause()
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void prohibitedCodePointInDomainIsAnIdnaFailure() {
        // U+E000 (private use) is prohibited by nameprep (RFC 3491 §5, table C.3).
        String address = "jamie@x\uE000.com";
        assertThatThrownBy(() -> EmailAddresses.canonical(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid internationalised domain name")
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jamie@x com", "jamie@x\u00A0com", "jamie@x\u0001.com"})
    void whitespaceOrControlInDomainIsRejected(String address) {
        assertThatThrownBy(() -> EmailAddresses.canonical(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + address + "' is not an email address: "
                        + "the domain contains whitespace or a control character");
    }

    @Test
    void atSignProducedByIdnaMappingIsRejected() {
        // NFKC maps the fullwidth commercial at to '@', which would move the last '@' on a second pass.
        String address = "jamie@x\uFF20y.com";
        assertThatThrownBy(() -> EmailAddresses.canonical(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + address + "' is not an email address: the domain contains '@' after IDNA mapping");
    }

    @Test
    void lengthLimitIs254CharactersOfTheCanonicalForm() {
        String domain = "d".repeat(60) + "." + "e".repeat(60) + "." + "f".repeat(60) + ".com"; // 187
        String fits = "l".repeat(254 - 1 - domain.length()) + "@" + domain;
        assertThat(fits).hasSize(254);
        assertThat(EmailAddresses.canonical(fits.toUpperCase(Locale.ROOT) + "."))
                .isEqualTo(fits);

        String tooLong = "l" + fits;
        assertThatThrownBy(() -> EmailAddresses.canonical(tooLong))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + tooLong
                        + "' is not an email address: longer than 254 characters in canonical form (255)");
    }

    @Test
    void lengthIsMeasuredAfterPunycode() {
        String label = "ü".repeat(10);
        String address = "l".repeat(210) + "@" + label + "." + label + "." + label + ".de";
        int canonicalLength = ("l".repeat(210) + "@" + IDN.toASCII(label + "." + label + "." + label + ".de")).length();
        assertThat(address).hasSizeLessThan(254);
        assertThat(canonicalLength).isGreaterThan(254);
        assertThatThrownBy(() -> EmailAddresses.canonical(address))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith("longer than 254 characters in canonical form (" + canonicalLength + ")");
    }

    // ---- properties

    /** Letters whose single-character case mapping round-trips, from four scripts; no sigma (final form). */
    private static final String LETTERS = letters();

    private static String letters() {
        StringBuilder b = new StringBuilder();
        for (char c = 0; c < 0x0500; c++) {
            boolean script = c < 0x80 || (c >= 0xC0 && c < 0x250) || (c >= 0x391 && c < 0x3CA) || (c >= 0x400);
            if (Character.isLetter(c)
                    && script
                    && c != 'Σ'
                    && c != 'σ'
                    && c != 'ς'
                    && c != 'İ'
                    && c != 'ı'
                    && Character.toLowerCase(Character.toUpperCase(c)) == Character.toLowerCase(c)
                    && Character.toUpperCase(Character.toLowerCase(c)) == Character.toUpperCase(c)
                    && String.valueOf(c).toLowerCase(Locale.ROOT).equals(String.valueOf(Character.toLowerCase(c)))
                    && String.valueOf(c).toUpperCase(Locale.ROOT).equals(String.valueOf(Character.toUpperCase(c)))) {
                b.append(c);
            }
        }
        return b.toString();
    }

    @Provide
    Arbitrary<String> locals() {
        return Arbitraries.strings()
                .withChars(LETTERS)
                .withChars("0123456789.+-_'")
                .ofMinLength(1)
                .ofMaxLength(30);
    }

    @Provide
    Arbitrary<String> domains() {
        Arbitrary<String> asciiLabel = Arbitraries.strings()
                .withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                .ofMinLength(1)
                .ofMaxLength(12);
        Arbitrary<String> latin = Arbitraries.strings()
                .withChars("abcdeéèêëfghiïîjklmnoöpqrstuüvwxyzçñåæø")
                .ofMinLength(1)
                .ofMaxLength(10);
        Arbitrary<String> greek =
                Arbitraries.strings().withCharRange('α', 'ρ').ofMinLength(1).ofMaxLength(8);
        Arbitrary<String> cyrillic =
                Arbitraries.strings().withCharRange('а', 'я').ofMinLength(1).ofMaxLength(8);
        Arbitrary<String> label = Arbitraries.oneOf(asciiLabel, latin, greek, cyrillic);
        return label.list()
                .ofMinSize(1)
                .ofMaxSize(3)
                .flatMap(labels ->
                        Arbitraries.of("com", "de", "example", "рф").map(tld -> String.join(".", labels) + "." + tld));
    }

    @Provide
    Arbitrary<String> addresses() {
        return Combinators.combine(locals(), domains(), Arbitraries.of("", ".")).as((l, d, dot) -> l + "@" + d + dot);
    }

    @Provide
    Arbitrary<String> anything() {
        Arbitrary<String> pieces = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(8),
                Arbitraries.of("@", ".", " ", "\u3002", "\uFF20", "xn--", "Ü", "\u00A0", "ß", "İ", "Σ", "\u0000"));
        return pieces.list().ofMaxSize(10).map(list -> String.join("", list));
    }

    @Property(tries = 2000)
    void idempotent(@ForAll("addresses") String address) {
        String once = EmailAddresses.canonical(address);
        assertThat(EmailAddresses.canonical(once)).isEqualTo(once);
    }

    @Property(tries = 3000)
    void idempotentOnAnythingItAccepts(@ForAll("anything") String text) {
        Optional<String> once = EmailAddresses.tryCanonical(text);
        once.ifPresent(c -> assertThat(EmailAddresses.canonical(c)).isEqualTo(c));
    }

    @Property(tries = 2000)
    void caseInsensitive(@ForAll("addresses") String address, @ForAll long flips) {
        StringBuilder flipped = new StringBuilder();
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            flipped.append(((flips >>> (i % 64)) & 1) == 0 ? Character.toUpperCase(c) : Character.toLowerCase(c));
        }
        assertThat(EmailAddresses.canonical(flipped.toString())).isEqualTo(EmailAddresses.canonical(address));
        assertThat(EmailAddresses.canonical(address.toUpperCase(Locale.ROOT)))
                .isEqualTo(EmailAddresses.canonical(address.toLowerCase(Locale.ROOT)));
    }

    @Property(tries = 1000)
    void unicodeAndPunycodeDomainsAgree(@ForAll("locals") String local, @ForAll("domains") String domain) {
        String punycode = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED);
        assertThat(EmailAddresses.canonical(local + "@" + punycode.toUpperCase(Locale.ROOT)))
                .isEqualTo(EmailAddresses.canonical(local + "@" + domain));
    }

    @Property(tries = 2000)
    void resultShape(@ForAll("addresses") String address) {
        String c = EmailAddresses.canonical(address);
        int at = c.lastIndexOf('@');
        String domain = c.substring(at + 1);
        assertThat(c).hasSizeLessThanOrEqualTo(EmailAddresses.MAX_LENGTH);
        assertThat(domain).matches("[a-z0-9-]+(\\.[a-z0-9-]+)+");
        assertThat(c.substring(0, at))
                .isEqualTo(address.substring(0, address.lastIndexOf('@')).toLowerCase(Locale.ROOT));
    }

    @Property(tries = 2000)
    void tryCanonicalNeverThrowsAndAgreesWithCanonical(@ForAll("anything") String text) {
        Optional<String> tried = EmailAddresses.tryCanonical(text);
        if (tried.isPresent()) {
            assertThat(EmailAddresses.canonical(text)).isEqualTo(tried.get());
        } else {
            assertThatThrownBy(() -> EmailAddresses.canonical(text)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void generatedLettersCoverSeveralScripts() {
        List<Character.UnicodeScript> scripts =
                LETTERS.chars().mapToObj(Character.UnicodeScript::of).distinct().collect(Collectors.toList());
        assertThat(scripts)
                .contains(
                        Character.UnicodeScript.LATIN, Character.UnicodeScript.GREEK, Character.UnicodeScript.CYRILLIC);
    }
}
