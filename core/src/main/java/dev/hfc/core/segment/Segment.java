package dev.hfc.core.segment;

import java.util.Optional;

/** How much business a customer's pause costs (§4). */
public enum Segment {
    LOW("low"),
    MEDIUM("medium"),
    HIGH("high");

    private final String wire;

    Segment(String wire) {
        this.wire = wire;
    }

    /** The lower-case form used in events and in {@code rec_campaigns_weekly.segment}. */
    public String wire() {
        return wire;
    }

    public static Optional<Segment> fromWire(String value) {
        for (Segment s : values()) {
            if (s.wire.equals(value)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
