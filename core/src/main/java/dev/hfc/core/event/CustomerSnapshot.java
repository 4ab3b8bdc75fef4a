package dev.hfc.core.event;

import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Every subscription week of one customer at one consistent moment ({@code op: snapshot} in
 * {@code hfc.subscription-events}, key {@code user_id}). It <em>replaces</em> what is known of the customer's
 * weeks: a week absent from it has no subscription row. Written by the producer's initial load and by
 * re-snapshots, or by any other client bootstrapping its own customers. {@code weeks} is in week order, one
 * entry per week; an empty list says the customer has no subscription rows at all.
 */
public record CustomerSnapshot(UUID userId, List<WeekRow> weeks, long sourceTsMs) implements SubscriptionInput {

    public static final String OP = "snapshot";

    /** One subscription row of the customer. */
    public record WeekRow(Week week, SubscriptionStatus status, UUID subscriptionId) {
        public WeekRow {
            Objects.requireNonNull(week, "week");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(subscriptionId, "subscription_id");
        }
    }

    public CustomerSnapshot {
        Objects.requireNonNull(userId, "user_id");
        List<WeekRow> sorted = new ArrayList<>(weeks);
        sorted.sort(Comparator.comparing(WeekRow::week));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).week().equals(sorted.get(i - 1).week())) {
                throw new IllegalArgumentException(
                        "week " + sorted.get(i).week() + " is in the snapshot of " + userId + " twice");
            }
        }
        weeks = List.copyOf(sorted);
    }
}
