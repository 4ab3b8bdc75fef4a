package dev.hfc.core.event;

import java.util.Objects;
import java.util.UUID;

/**
 * The current state of a {@code customer} row (§5, compacted topic {@code hfc.customers}, key
 * {@code user_id}; a delete is a tombstone, not an event). {@code status} is the source row's own status,
 * passed through as-is; it does not decide targeting.
 */
public record CustomerEvent(UUID userId, String email, String status) {

    public static final int SCHEMA_VERSION = 1;

    public CustomerEvent {
        Objects.requireNonNull(userId, "user_id");
    }
}
