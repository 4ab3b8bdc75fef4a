package dev.hfc.core.segment;

import java.util.Optional;

/** The status of one (customer, week) subscription row (§3). */
public enum SubscriptionStatus {
    PAUSED("paused"),
    ACTIVE("active"),
    CANCELLED("cancelled");

    private final String wire;

    SubscriptionStatus(String wire) {
        this.wire = wire;
    }

    /** The lower-case form used in the source table and in events. */
    public String wire() {
        return wire;
    }

    /** The status named by {@code value} exactly as stored (lower case), if there is one. */
    public static Optional<SubscriptionStatus> fromWire(String value) {
        for (SubscriptionStatus s : values()) {
            if (s.wire.equals(value)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
