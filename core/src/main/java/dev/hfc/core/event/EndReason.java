package dev.hfc.core.event;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Why a (week, customer) stopped being a campaign target: the value of header {@link #HEADER} on a tombstone
 * of {@code hfc.customer-segments}. The sink records it next to the row as the target's outcome; a tombstone
 * without the header (an older segmenter, a producer of our own) is recorded as {@link #UNKNOWN}.
 */
public enum EndReason {
    /** The target week became active again: the customer resumed delivery. */
    RESUMED("resumed"),
    /** The target week was cancelled. */
    CANCELLED("cancelled"),
    /** The subscription row of the target week was deleted. */
    SUBSCRIPTION_DELETED("subscription-deleted"),
    /** The customer row was deleted. */
    CUSTOMER_DELETED("customer-deleted"),
    /** The customer's email became missing or unusable. */
    EMAIL_UNUSABLE("email-unusable"),
    /** The target week is still paused but no longer a target under the policy (e.g. the pause got shorter). */
    NOT_TARGETED("not-targeted"),
    /** A tombstone that did not say why. */
    UNKNOWN("unknown");

    /** The header that carries the reason on a tombstone. */
    public static final String HEADER = "hfc.end-reason";

    private final String wire;

    EndReason(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public byte[] bytes() {
        return wire.getBytes(StandardCharsets.UTF_8);
    }

    /** The reason named exactly by {@code value}, if any. */
    public static Optional<EndReason> fromWire(String value) {
        for (EndReason r : values()) {
            if (r.wire.equals(value)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /** The reason in a header value; absent, unreadable or unknown values are {@link #UNKNOWN}. */
    public static EndReason fromHeader(byte[] value) {
        return value == null
                ? UNKNOWN
                : fromWire(new String(value, StandardCharsets.UTF_8)).orElse(UNKNOWN);
    }
}
