package dev.hfc.segmenter;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Everything the segmenter keeps about one customer: the customer row as last seen, the subscription rows
 * by week, what was last emitted per target week, and the latest record time seen (for pruning).
 * Immutable; every change returns a new state.
 */
public final class CustomerState {

    public static final CustomerState EMPTY =
            new CustomerState(null, Collections.emptyNavigableMap(), Collections.emptyNavigableMap(), Long.MIN_VALUE);

    private final CustomerRow customer;
    private final NavigableMap<Week, WeekRow> weeks;
    private final NavigableMap<Week, Emitted> emitted;
    private final long latestRecordMs;

    /** Trusts its maps: only this class builds them, unmodifiable and never shared with a mutator. */
    private CustomerState(
            CustomerRow customer,
            NavigableMap<Week, WeekRow> weeks,
            NavigableMap<Week, Emitted> emitted,
            long latestRecordMs) {
        this.customer = customer;
        this.weeks = weeks;
        this.emitted = emitted;
        this.latestRecordMs = latestRecordMs;
    }

    /** A state from maps the caller owns: they are copied. */
    public static CustomerState of(
            CustomerRow customer, Map<Week, WeekRow> weeks, Map<Week, Emitted> emitted, long latestRecordMs) {
        return new CustomerState(
                customer, frozen(new TreeMap<>(weeks)), frozen(new TreeMap<>(emitted)), latestRecordMs);
    }

    /** A state that takes {@code weeks} and {@code emitted} as its own: the caller must not keep them. */
    static CustomerState owning(
            CustomerRow customer, TreeMap<Week, WeekRow> weeks, TreeMap<Week, Emitted> emitted, long latestRecordMs) {
        return new CustomerState(customer, frozen(weeks), frozen(emitted), latestRecordMs);
    }

    private static <V> NavigableMap<Week, V> frozen(TreeMap<Week, V> map) {
        return Collections.unmodifiableNavigableMap(map);
    }

    public CustomerRow customer() {
        return customer;
    }

    public NavigableMap<Week, WeekRow> weeks() {
        return weeks;
    }

    public NavigableMap<Week, Emitted> emitted() {
        return emitted;
    }

    public long latestRecordMs() {
        return latestRecordMs;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CustomerState other
                && latestRecordMs == other.latestRecordMs
                && Objects.equals(customer, other.customer)
                && weeks.equals(other.weeks)
                && emitted.equals(other.emitted);
    }

    @Override
    public int hashCode() {
        return Objects.hash(customer, weeks, emitted, latestRecordMs);
    }

    @Override
    public String toString() {
        return "CustomerState[customer=" + customer + ", weeks=" + weeks + ", emitted=" + emitted + ", latestRecordMs="
                + latestRecordMs + "]";
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
        return new CustomerState(customer, frozen(w), emitted, latestRecordMs);
    }

    /** {@code newEmitted} becomes this state's own: the caller must not keep changing it. */
    CustomerState withEmitted(TreeMap<Week, Emitted> newEmitted) {
        return new CustomerState(customer, weeks, frozen(newEmitted), latestRecordMs);
    }

    /** This state's customer and weeks with all the weeks of a snapshot instead of its own. */
    CustomerState withWeeks(TreeMap<Week, WeekRow> newWeeks) {
        return new CustomerState(customer, frozen(newWeeks), emitted, latestRecordMs);
    }

    /** This state with what {@code other} says was published (while a rebuilding task holds its output). */
    CustomerState withEmittedOf(CustomerState other) {
        return emitted.equals(other.emitted) ? this : new CustomerState(customer, weeks, other.emitted, latestRecordMs);
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
        return new CustomerState(
                customer,
                frozen(new TreeMap<>(weeks.tailMap(boundary, true))),
                frozen(new TreeMap<>(emitted.tailMap(boundary, true))),
                latestRecordMs);
    }
}
