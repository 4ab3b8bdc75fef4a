package dev.hfc.core.event;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.util.Objects;
import java.util.UUID;

/**
 * The campaign target of one (week, customer) (§5, compacted topic {@code hfc.customer-segments}, key
 * {@code <week>:<user_id>}; a tombstone when the customer is no longer targeted for the week).
 */
public record CustomerSegment(
        UUID userId, String email, Week week, Segment segment, int pauseWeeks, UUID subscriptionId, long computedAtMs) {

    public static final int SCHEMA_VERSION = 1;

    public CustomerSegment {
        Objects.requireNonNull(userId, "user_id");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(week, "week");
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(subscriptionId, "subscription_id");
        if (pauseWeeks < 1) {
            throw new IllegalArgumentException("pause_weeks must be at least 1, got " + pauseWeeks);
        }
    }

    public SegmentKey key() {
        return new SegmentKey(week, userId);
    }

    /** True when the two carry the same campaign content (everything but the computation time). */
    public boolean sameTargetAs(CustomerSegment other) {
        return other != null
                && userId.equals(other.userId)
                && email.equals(other.email)
                && week.equals(other.week)
                && segment == other.segment
                && pauseWeeks == other.pauseWeeks
                && subscriptionId.equals(other.subscriptionId);
    }
}
