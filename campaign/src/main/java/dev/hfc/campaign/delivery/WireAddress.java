package dev.hfc.campaign.delivery;

import java.net.IDN;
import java.nio.charset.StandardCharsets;

/**
 * How a recipient address may go on the wire to a given SMTP server (RFC 5321, RFC 6531).
 *
 * <p>An all-ASCII address goes as it is. A domain with non-ASCII letters (an IDN) is written as its
 * ASCII-compatible form (punycode, {@code xn--…}), which every server takes. A local part with non-ASCII
 * letters has no ASCII form: it may only be sent to a server that announced {@code SMTPUTF8}; to any
 * other server it would arrive as bytes the server reads in another charset, i.e. as a different,
 * mangled address. Such a recipient is not a bad address (another relay may take it), so it is reported,
 * never suppressed.
 */
public sealed interface WireAddress {

    /** The address to write in {@code RCPT TO} and the {@code To} header. */
    record Sendable(String address) implements WireAddress {}

    /** The address cannot go to this server; {@code reason} says why, for logs and reports. */
    record NeedsSmtpUtf8(String reason) implements WireAddress {}

    /**
     * @param address   a usable address (see {@code dev.hfc.core.event.EmailAddress})
     * @param smtpUtf8  whether the server announced {@code SMTPUTF8} in its EHLO answer
     */
    static WireAddress of(String address, boolean smtpUtf8) {
        if (isAscii(address)) {
            return new Sendable(address);
        }
        int at = address.lastIndexOf('@');
        String local = address.substring(0, at);
        String domain = address.substring(at + 1);
        if (!isAscii(local)) {
            return smtpUtf8
                    ? new Sendable(address)
                    : new NeedsSmtpUtf8("the local part '" + local + "' has non-ASCII letters and the mail server did "
                            + "not announce SMTPUTF8 (RFC 6531)");
        }
        if (smtpUtf8) {
            return new Sendable(address);
        }
        try {
            return new Sendable(local + "@" + IDN.toASCII(domain, IDN.USE_STD3_ASCII_RULES));
        } catch (IllegalArgumentException e) {
            return new NeedsSmtpUtf8("the domain '" + domain + "' has no ASCII form (" + e.getMessage()
                    + ") and the mail server did not announce SMTPUTF8 (RFC 6531)");
        }
    }

    private static boolean isAscii(String s) {
        return StandardCharsets.US_ASCII.newEncoder().canEncode(s);
    }
}
