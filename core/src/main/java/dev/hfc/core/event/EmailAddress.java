package dev.hfc.core.event;

import java.util.Optional;

/**
 * Decides whether a string is an email address the campaign service can use.
 *
 * <p>The rule is RFC 5322 {@code addr-spec} with RFC 6531 (internationalised) letters, kept practical:
 * a local part that is either a dot-atom or a quoted string, {@code @}, and a domain of at least two
 * dot-separated labels. A quoted local part may hold commas, spaces, apostrophes, tabs, line breaks and
 * backslash-escaped quotes and backslashes, because real address books hold such addresses and they must
 * reach the table byte for byte (§7). NUL is never accepted: PostgreSQL text cannot store it. The whole
 * address is at most 64 characters, the width of the {@code email} columns.
 */
public final class EmailAddress {

    /** Width of {@code customer.email} and {@code rec_campaigns_weekly.email}, in characters. */
    public static final int MAX_LENGTH = 64;

    private static final String ATEXT_SYMBOLS = "!#$%&'*+-/=?^_`{|}~";

    private EmailAddress() {}

    /** Empty when {@code email} is usable; otherwise why not. */
    public static Optional<Rejection> check(String email) {
        if (email == null) {
            return reject("email is missing");
        }
        if (email.isEmpty()) {
            return reject("email is empty");
        }
        int length = email.codePointCount(0, email.length());
        if (length > MAX_LENGTH) {
            return reject("email is " + length + " characters long, more than the " + MAX_LENGTH + " allowed");
        }
        if (email.indexOf('\0') >= 0) {
            return reject("email contains a NUL character");
        }
        int at = email.lastIndexOf('@');
        if (at < 0) {
            return reject("email has no '@'");
        }
        String local = email.substring(0, at);
        String domain = email.substring(at + 1);
        if (local.isEmpty()) {
            return reject("email has an empty local part");
        }
        Optional<String> localProblem = local.charAt(0) == '"' ? checkQuoted(local) : checkDotAtom(local);
        if (localProblem.isPresent()) {
            return reject("email local part " + localProblem.get());
        }
        return checkDomain(domain).flatMap(p -> reject("email domain " + p));
    }

    public static boolean isUsable(String email) {
        return check(email).isEmpty();
    }

    private static Optional<Rejection> reject(String detail) {
        return Optional.of(new Rejection(RejectReason.INVALID_EMAIL, detail));
    }

    private static Optional<String> checkDotAtom(String local) {
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return Optional.of("has a misplaced dot");
        }
        for (int i = 0; i < local.length(); ) {
            int cp = local.codePointAt(i);
            if (cp != '.' && !isAtext(cp)) {
                return Optional.of("contains '" + describe(cp) + "' outside quotes");
            }
            i += Character.charCount(cp);
        }
        return Optional.empty();
    }

    private static Optional<String> checkQuoted(String local) {
        if (local.length() < 2 || local.charAt(local.length() - 1) != '"') {
            return Optional.of("opens a quote it does not close");
        }
        for (int i = 1; i < local.length() - 1; i++) {
            char c = local.charAt(i);
            if (c == '\\') {
                if (i + 1 >= local.length() - 1) {
                    return Optional.of("ends with a lone backslash");
                }
                i++; // the escaped character, whatever it is
            } else if (c == '"') {
                return Optional.of("has an unescaped quote inside quotes");
            }
        }
        return Optional.empty();
    }

    private static Optional<String> checkDomain(String domain) {
        if (domain.isEmpty()) {
            return Optional.of("is empty");
        }
        String[] labels = domain.split("\\.", -1);
        if (labels.length < 2) {
            return Optional.of("'" + domain + "' has no dot");
        }
        for (String label : labels) {
            if (label.isEmpty()) {
                return Optional.of("'" + domain + "' has an empty label");
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                return Optional.of("label '" + label + "' starts or ends with '-'");
            }
            for (int i = 0; i < label.length(); ) {
                int cp = label.codePointAt(i);
                if (cp != '-' && !Character.isLetterOrDigit(cp)) {
                    return Optional.of("contains '" + describe(cp) + "'");
                }
                i += Character.charCount(cp);
            }
        }
        return Optional.empty();
    }

    private static boolean isAtext(int cp) {
        if (cp < 128) {
            return (cp >= 'a' && cp <= 'z')
                    || (cp >= 'A' && cp <= 'Z')
                    || (cp >= '0' && cp <= '9')
                    || ATEXT_SYMBOLS.indexOf(cp) >= 0;
        }
        // RFC 6531: any non-ASCII UTF-8 is allowed; letters and digits are what people use.
        return Character.isLetterOrDigit(cp) || Character.getType(cp) == Character.NON_SPACING_MARK;
    }

    private static String describe(int cp) {
        return Character.isISOControl(cp) || Character.isWhitespace(cp)
                ? String.format("U+%04X", cp)
                : new String(Character.toChars(cp));
    }
}
