package dev.hfc.campaign.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WireAddressTest {

    @ParameterizedTest(name = "{0} to a server with SMTPUTF8={1}")
    @CsvSource(
            delimiter = '|',
            value = {
                // ASCII goes as it is, to any server
                "plain@example.com                 | false | plain@example.com",
                "plain@example.com                 | true  | plain@example.com",
                "\"comma,quote\"@example.com       | false | \"comma,quote\"@example.com",
                // an IDN domain: punycode for a server without SMTPUTF8, as it is for one with it
                "anna@bücher.example               | false | anna@xn--bcher-kva.example",
                "anna@bücher.example               | true  | anna@bücher.example",
                "x@例え.テスト                      | false | x@xn--r8jz45g.xn--zckzah",
                // a non-ASCII local part has no ASCII form: only a server with SMTPUTF8 takes it
                "ullanovák.hx5@post.example.co.uk  | true  | ullanovák.hx5@post.example.co.uk",
                "ullanovák.hx5@post.example.co.uk  | false | ",
                "josé@bücher.example               | false | ",
                "josé@bücher.example               | true  | josé@bücher.example",
            })
    void anAddressGoesOnTheWireOnlyInAFormTheServerReadsAsSent(String address, boolean smtpUtf8, String expected) {
        WireAddress wire = WireAddress.of(address, smtpUtf8);
        if (expected == null) {
            assertThat(wire)
                    .isInstanceOfSatisfying(
                            WireAddress.NeedsSmtpUtf8.class,
                            n -> assertThat(n.reason())
                                    .contains("SMTPUTF8")
                                    .contains(address.substring(0, address.lastIndexOf('@'))));
        } else {
            assertThat(wire).isEqualTo(new WireAddress.Sendable(expected));
        }
    }
}
