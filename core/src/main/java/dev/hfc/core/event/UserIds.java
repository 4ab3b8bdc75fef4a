package dev.hfc.core.event;

import java.util.Optional;
import java.util.UUID;

/**
 * The one parser of user ids: the canonical 8-4-4-4-12 hexadecimal form, any case. {@link UUID#fromString}
 * alone also takes forms like {@code 1-2-3-4-5}, which would silently stand for another id.
 *
 * <p>It runs for every event the producer maps and every record the segmenter reads, so it reads the 36
 * characters once, straight into the two halves of the id (a regular expression and then
 * {@code UUID.fromString} took about a seventh of the producer's mapping thread).
 */
public final class UserIds {

    private static final int LENGTH = 36;

    private UserIds() {}

    /** The id, or empty when {@code text} is null or not a canonical UUID. */
    public static Optional<UUID> parse(String text) {
        if (text == null || text.length() != LENGTH) {
            return Optional.empty();
        }
        long most = 0;
        long least = 0;
        for (int i = 0; i < LENGTH; i++) {
            char c = text.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return Optional.empty();
                }
                continue;
            }
            int digit = hexDigit(c);
            if (digit < 0) {
                return Optional.empty();
            }
            if (i < 18) {
                most = most << 4 | digit;
            } else {
                least = least << 4 | digit;
            }
        }
        return Optional.of(new UUID(most, least));
    }

    /** 0..15 for an ASCII hexadecimal digit of either case, else -1 (no other script's digits). */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
