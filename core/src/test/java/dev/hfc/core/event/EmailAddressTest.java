package dev.hfc.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmailAddressTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "anna@example.com",
                "Anna.Maria+weekly@Example.COM",
                "o'brien@example.ie",
                "jürgen.müller@bücher.de",
                "δοκιμή@παράδειγμα.δοκιμή",
                "\"smith, john\"@example.com",
                "\"quote\\\"inside\"@example.com",
                "\"back\\\\slash\"@example.com",
                "\"tab\there\"@example.com",
                "\"line\nbreak\"@example.com",
                "\"a@b\"@example.com",
                "x@a.co",
            })
    void acceptsUsableAddresses(String email) {
        assertThat(EmailAddress.check(email)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "plain",
                "@example.com",
                "anna@",
                "anna@localhost",
                "anna@@example.com",
                "anna@exa mple.com",
                "an na@example.com",
                "anna.@example.com",
                ".anna@example.com",
                "an..na@example.com",
                "anna@-example.com",
                "anna@example..com",
                "\"unclosed@example.com",
                "\"a\"b\"@example.com",
                "smith, john@example.com",
                "tab\there@example.com",
                "nul\u0000@example.com",
                "\"nul\u0000\"@example.com",
                "\"ends\\\"@example.com",
            })
    void rejectsUnusableAddresses(String email) {
        assertThat(EmailAddress.check(email))
                .hasValueSatisfying(r -> assertThat(r.reason()).isEqualTo(RejectReason.INVALID_EMAIL));
    }

    @org.junit.jupiter.api.Test
    void lengthIsCountedInCharactersUpToTheColumnWidth() {
        String local64 = "a".repeat(64 - "@example.com".length());
        assertThat(EmailAddress.check(local64 + "@example.com")).isEmpty();
        assertThat(EmailAddress.check("a" + local64 + "@example.com"))
                .hasValueSatisfying(r -> assertThat(r.detail()).contains("65 characters"));
        // 64 two-byte characters are still 64 characters.
        String umlauts = "ü".repeat(64 - "@ex.de".length()) + "@ex.de";
        assertThat(umlauts.codePointCount(0, umlauts.length())).isEqualTo(64);
        assertThat(EmailAddress.check(umlauts)).isEmpty();
        assertThat(EmailAddress.check(null))
                .hasValueSatisfying(r -> assertThat(r.detail()).contains("missing"));
    }
}
