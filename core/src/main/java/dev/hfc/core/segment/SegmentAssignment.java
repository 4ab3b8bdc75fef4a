package dev.hfc.core.segment;

import dev.hfc.core.week.Week;
import java.util.Objects;

/** The segment a customer gets for target week {@code week}, and the pause length that gave it. */
public record SegmentAssignment(Week week, Segment segment, int pauseWeeks) {
    public SegmentAssignment {
        Objects.requireNonNull(week, "week");
        Objects.requireNonNull(segment, "segment");
        if (pauseWeeks < 1) {
            throw new IllegalArgumentException("a segment needs at least one paused week, got " + pauseWeeks);
        }
    }
}
