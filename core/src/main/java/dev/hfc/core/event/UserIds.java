package dev.hfc.core.event;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The one parser of user ids: the canonical 8-4-4-4-12 hexadecimal form, any case. {@link UUID#fromString}
 * alone also takes forms like {@code 1-2-3-4-5}, which would silently stand for another id.
 */
public final class UserIds {

    private static final Pattern CANONICAL =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private UserIds() {}

    /** The id, or empty when {@code text} is null or not a canonical UUID. */
    public static Optional<UUID> parse(String text) {
        return text != null && CANONICAL.matcher(text).matches() ? Optional.of(UUID.fromString(text)) : Optional.empty();
    }
}
