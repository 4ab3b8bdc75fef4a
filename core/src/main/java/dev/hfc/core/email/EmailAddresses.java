package dev.hfc.core.email;

import java.net.IDN;
import java.util.Locale;
import java.util.Optional;

/**
 * The canonical form of an email address: the form addresses are compared in when suppressions, opt-outs and
 * bounce reports are matched against customer addresses.
 *
 * <ul>
 *   <li>surrounding whitespace is stripped;</li>
 *   <li>the address is split at its <em>last</em> {@code '@'} (a quoted local part containing {@code '@'} is
 *       therefore handled correctly, the domain can never contain one);</li>
 *   <li>the local part is lower-cased with {@link Locale#ROOT}. RFC 5321 lets the receiving system treat
 *       {@code Jamie} and {@code jamie} as different mailboxes, but practically none does; treating them as the
 *       same person errs on the side of <em>not</em> sending to someone who opted out;</li>
 *   <li>the domain loses one trailing full stop (the root label), is converted to ASCII with
 *       {@link IDN#toASCII(String, int)} (IDNA 2003, label by label; punycode input stays punycode) and is
 *       lower-cased, so {@code Anna@Bücher.Example}, {@code anna@xn--bcher-kva.example} and
 *       {@code ANNA@XN--BCHER-KVA.EXAMPLE.} all become {@code anna@xn--bcher-kva.example}.</li>
 * </ul>
 *
 * <p>This is canonicalisation, not validation: apart from what is needed to produce a well-formed, idempotent
 * result (a non-empty local part, a domain without empty labels, whitespace or {@code '@'}, at most 254
 * characters in all) it does not check the syntax of either part. Pure; no I/O.
 */
public final class EmailAddresses {

    /** RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the angle brackets. */
    public static final int MAX_LENGTH = 254;

    /** The characters IDNA treats as label separators (RFC 3490 §3.1). */
    private static final String FULL_STOPS = ".\u3002\uFF0E\uFF61";

    private EmailAddresses() {}

    /**
     * @return the canonical form of {@code address}, see the class comment
     * @throws IllegalArgumentException naming the input and what is wrong with it when {@code address} is null,
     *                                  has no {@code '@'}, has an empty local part or domain, has a domain that
     *                                  is not a valid (internationalised) domain name, or is too long
     */
    public static String canonical(String address) {
        if (address == null) {
            throw new IllegalArgumentException("null is not an email address");
        }
        String trimmed = address.strip();
        int at = trimmed.lastIndexOf('@');
        if (at < 0) {
            throw invalid(address, "no '@'");
        }
        String local = trimmed.substring(0, at);
        String domain = trimmed.substring(at + 1);
        if (local.isEmpty()) {
            throw invalid(address, "empty local part before the '@'");
        }
        if (!domain.isEmpty() && FULL_STOPS.indexOf(domain.charAt(domain.length() - 1)) >= 0) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (domain.isEmpty()) {
            throw invalid(address, "empty domain after the '@'");
        }
        String ascii;
        try {
            ascii = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw invalid(
                    address, "the domain is not a valid internationalised domain name (" + e.getMessage() + ")", e);
        }
        checkDomain(address, ascii);
        String result = local.toLowerCase(Locale.ROOT) + '@' + ascii;
        if (result.length() > MAX_LENGTH) {
            throw invalid(
                    address, "longer than " + MAX_LENGTH + " characters in canonical form (" + result.length() + ")");
        }
        return result;
    }

    /** @return the canonical form of {@code address}, or empty where {@link #canonical} would throw */
    public static Optional<String> tryCanonical(String address) {
        try {
            return Optional.of(canonical(address));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** What IDN.toASCII lets through but no canonical domain may contain. */
    private static void checkDomain(String address, String ascii) {
        if (ascii.isEmpty() || ascii.startsWith(".") || ascii.endsWith(".") || ascii.contains("..")) {
            throw invalid(address, "the domain has an empty label");
        }
        for (int i = 0; i < ascii.length(); i++) {
            char c = ascii.charAt(i);
            if (c == '@') {
                throw invalid(address, "the domain contains '@' after IDNA mapping");
            }
            if (c <= ' ' || c == 0x7F) {
                throw invalid(address, "the domain contains whitespace or a control character");
            }
        }
    }

    private static IllegalArgumentException invalid(String address, String why) {
        return invalid(address, why, null);
    }

    private static IllegalArgumentException invalid(String address, String why, Throwable cause) {
        return new IllegalArgumentException("'" + address + "' is not an email address: " + why, cause);
    }
}
