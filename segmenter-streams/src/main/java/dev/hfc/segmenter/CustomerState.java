package dev.hfc.segmenter;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Everything the segmenter keeps about one customer: the customer row as last seen, the subscription rows
 * by week, what was last emitted per target week, and the latest record time seen (for pruning).
 * Immutable; every change returns a new state.
 */
public record CustomerState(
        CustomerRow customer,
        NavigableMap<Week, WeekRow> weeks,
        NavigableMap<Week, Emitted> emitted,
        long latestRecordMs) {

    public static final CustomerState EMPTY =
            new CustomerState(null, Collections.emptyNavigableMap(), Collections.emptyNavigableMap(), Long.MIN_VALUE);

    public CustomerState {
        weeks = Collections.unmodifiableNavigableMap(new TreeMap<>(weeks));
        emitted = Collections.unmodifiableNavigableMap(new TreeMap<>(emitted));
    }

    /** The customer row: its email when usable, or null when the row exists but cannot be campaigned. */
    public record CustomerRow(String email) {
        public boolean usable() {
            return email != null;
        }
    }

    /** One subscription row: the status of the week and the row's id. */
    public record WeekRow(SubscriptionStatus status, UUID subscriptionId) {
        public WeekRow {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(subscriptionId, "subscriptionId");
        }
    }

    /** What was last published for a target week (the email is the customer's, so not repeated here). */
    public record Emitted(Segment segment, int pauseWeeks, UUID subscriptionId, String email) {}

    public boolean isEmpty() {
        return customer == null && weeks.isEmpty() && emitted.isEmpty();
    }

    CustomerState withCustomer(CustomerRow row) {
        return new CustomerState(row, weeks, emitted, latestRecordMs);
    }

    CustomerState withWeek(Week week, WeekRow row) {
        TreeMap<Week, WeekRow> w = new TreeMap<>(weeks);
        if (row == null) {
            w.remove(week);
        } else {
            w.put(week, row);
        }
        return new CustomerState(customer, w, emitted, latestRecordMs);
    }

    CustomerState withEmitted(NavigableMap<Week, Emitted> newEmitted) {
        return new CustomerState(customer, weeks, newEmitted, latestRecordMs);
    }

    CustomerState withLatestRecordMs(long ms) {
        return new CustomerState(customer, weeks, emitted, Math.max(latestRecordMs, ms));
    }

    /** Drops weeks and emitted targets before {@code boundary}. */
    CustomerState prunedBefore(Week boundary) {
        if ((weeks.isEmpty() || !weeks.firstKey().isBefore(boundary))
                && (emitted.isEmpty() || !emitted.firstKey().isBefore(boundary))) {
            return this;
        }
        return new CustomerState(customer, weeks.tailMap(boundary, true), emitted.tailMap(boundary, true), latestRecordMs);
    }
}
