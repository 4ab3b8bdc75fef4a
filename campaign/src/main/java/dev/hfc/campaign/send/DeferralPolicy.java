package dev.hfc.campaign.send;

import dev.hfc.core.week.Week;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * When a deferred recipient (a 4xx for that recipient alone: mailbox full, greylisting) is tried again: after
 * {@code first}, doubling with each attempt up to {@code longest}. A recipient whose next attempt would fall
 * after its week's deadline (the end of the target week, UTC: the email is about that week's delivery) is given
 * up for the week: expired.
 */
public record DeferralPolicy(Duration first, Duration longest) {

    /** 15 minutes, doubling up to 4 hours: about ten attempts over the two days before the target week. */
    public static final DeferralPolicy DEFAULT = new DeferralPolicy(Duration.ofMinutes(15), Duration.ofHours(4));

    public DeferralPolicy {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(longest, "longest");
        if (first.isNegative() || first.isZero() || longest.compareTo(first) < 0) {
            throw new IllegalArgumentException(
                    "the first deferral must be positive and the longest at least as long, got " + first + " and "
                            + longest);
        }
    }

    /** What to do after the {@code attempts}-th deferral (1 for the first) at {@code now}. */
    public Next next(int attempts, Instant now, Week week) {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts start at 1, got " + attempts);
        }
        Duration wait = first;
        for (int i = 1; i < attempts && wait.compareTo(longest) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        if (wait.compareTo(longest) > 0) {
            wait = longest;
        }
        Instant at = now.plus(wait);
        return new Next(at, at.isAfter(deadline(week)));
    }

    /** The end of {@code week} (the next week's Monday, 00:00 UTC). */
    public static Instant deadline(Week week) {
        return week.plus(1).monday().atStartOfDay().toInstant(ZoneOffset.UTC);
    }

    /** The next attempt's time, and whether that is past the deadline (the row is given up). */
    public record Next(Instant at, boolean expired) {}
}
