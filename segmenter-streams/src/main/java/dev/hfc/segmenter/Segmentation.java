package dev.hfc.segmenter;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.CustomerSnapshot;
import dev.hfc.core.event.EmailAddress;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.SegmentAssignment;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The segmenter's logic for one customer, with no Kafka in it: apply a change to the customer's state,
 * recompute the target weeks the change can affect, and say what to publish, only where the result
 * changed (an upsert, or a tombstone for a week that stopped being targeted).
 *
 * <p><b>Pruning.</b> A week before the current week of the customer's latest record (by record time, in
 * the configured zone) can no longer be a target, nor lie in the horizon of one. Such weeks are dropped
 * from the state, and changes to them are ignored: the rows already written for them stay as history.
 * The rule depends only on record timestamps and order, so a replay prunes exactly as the live run did.
 */
public final class Segmentation {

    private final SegmentPolicy policy;
    private final ZoneId zone;

    public Segmentation(SegmentPolicy policy, ZoneId zone) {
        this.policy = policy;
        this.zone = zone;
    }

    /** What one input did: the new state, what to publish, and what to report. */
    public record Outcome(
            CustomerState state, List<Emission> emissions, Optional<Rejection> rejection, Effect effect) {}

    /** How an input was taken, for metrics and logs. */
    public enum Effect {
        APPLIED,
        DUPLICATE,
        LATE_WEEK_IGNORED,
        UNKNOWN_DELETE_IGNORED
    }

    /**
     * An upsert (segment non-null, no end reason) or a tombstone (segment null) of {@code key}, with why the
     * target ended.
     */
    public record Emission(SegmentKey key, CustomerSegment segment, EndReason endReason) {
        public Emission {
            if ((segment == null) == (endReason == null)) {
                throw new IllegalArgumentException("a tombstone has an end reason and an upsert none: " + key);
            }
        }

        public boolean isTombstone() {
            return segment == null;
        }
    }

    public Outcome onSubscription(CustomerState state, SubscriptionEvent event, long recordMs, long nowMs) {
        state = advance(state, recordMs);
        Week boundary = boundary(state);
        if (boundary != null && event.week().isBefore(boundary)) {
            return new Outcome(state, List.of(), Optional.empty(), Effect.LATE_WEEK_IGNORED);
        }
        CustomerState.WeekRow current = state.weeks().get(event.week());
        CustomerState.WeekRow next;
        if (event.op() == SubscriptionEvent.Op.DELETE) {
            if (current == null || !current.subscriptionId().equals(event.subscriptionId())) {
                // A delete of a row we do not hold (never seen, already deleted, or replaced): nothing to undo.
                return new Outcome(state, List.of(), Optional.empty(), Effect.UNKNOWN_DELETE_IGNORED);
            }
            next = null;
        } else {
            next = new CustomerState.WeekRow(event.status(), event.subscriptionId());
            if (next.equals(current)) {
                return new Outcome(state, List.of(), Optional.empty(), Effect.DUPLICATE);
            }
        }
        state = state.withWeek(event.week(), next);
        List<Week> targets = new ArrayList<>();
        for (Week t : policy.targetsAffectedBy(event.week())) {
            if (boundary == null || !t.isBefore(boundary)) {
                targets.add(t);
            }
        }
        return recompute(state, event.userId(), targets, nowMs, Optional.empty());
    }

    /**
     * A customer snapshot: every subscription week of the customer at one moment, which replaces the weeks
     * held (a week absent from it is gone). Every target it can change is recomputed; only what differs from
     * what was published is published, so a snapshot equal to the state publishes nothing.
     */
    public Outcome onSnapshot(CustomerState state, CustomerSnapshot snapshot, long recordMs, long nowMs) {
        state = advance(state, recordMs);
        Week boundary = boundary(state);
        TreeMap<Week, CustomerState.WeekRow> weeks = new TreeMap<>();
        for (CustomerSnapshot.WeekRow w : snapshot.weeks()) {
            if (boundary == null || !w.week().isBefore(boundary)) {
                weeks.put(w.week(), new CustomerState.WeekRow(w.status(), w.subscriptionId()));
            }
        }
        if (weeks.equals(state.weeks())) {
            return new Outcome(state, List.of(), Optional.empty(), Effect.DUPLICATE);
        }
        TreeSet<Week> targets = new TreeSet<>(state.emitted().keySet());
        weeks.forEach((week, r) -> {
            if (r.status() == SubscriptionStatus.PAUSED) {
                targets.add(week);
            }
        });
        return recompute(state.withWeeks(weeks), snapshot.userId(), targets, nowMs, Optional.empty());
    }

    /** A customer row (upsert) or its deletion ({@code event == null}). */
    public Outcome onCustomer(CustomerState state, UUID userId, CustomerEvent event, long recordMs, long nowMs) {
        state = advance(state, recordMs);
        Optional<Rejection> rejection = Optional.empty();
        CustomerState.CustomerRow row;
        if (event == null) {
            row = null;
        } else if (event.email() == null) {
            // No usable email: the producer reported the source row already; this customer gets nothing.
            row = new CustomerState.CustomerRow(null);
        } else {
            rejection = EmailAddress.check(event.email());
            row = new CustomerState.CustomerRow(rejection.isPresent() ? null : event.email());
        }
        if (java.util.Objects.equals(state.customer(), row) && rejection.isEmpty()) {
            return new Outcome(state, List.of(), Optional.empty(), Effect.DUPLICATE);
        }
        state = state.withCustomer(row);
        TreeSet<Week> targets = new TreeSet<>(state.emitted().keySet());
        state.weeks().forEach((week, r) -> {
            if (r.status() == SubscriptionStatus.PAUSED) {
                targets.add(week);
            }
        });
        return recompute(state, userId, targets, nowMs, rejection);
    }

    /**
     * Recomputes every target of the customer from the current week on under this segmentation's policy
     * (after a change of policy): what is published is only what differs from what was published before.
     */
    public Outcome resegment(CustomerState state, UUID userId, long nowMs) {
        Week current = Week.current(Instant.ofEpochMilli(nowMs), zone);
        TreeSet<Week> targets = new TreeSet<>();
        state.emitted().keySet().forEach(targets::add);
        state.weeks().forEach((week, r) -> {
            if (r.status() == SubscriptionStatus.PAUSED) {
                targets.add(week);
            }
        });
        targets.headSet(current).clear(); // past weeks' campaigns are history
        return recompute(state, userId, targets, nowMs, Optional.empty());
    }

    /** What this segmentation publishes by: the policy and the zone weeks are counted in. */
    public String fingerprint() {
        return policy.fingerprint() + ",zone=" + zone.getId();
    }

    private Outcome recompute(
            CustomerState state, UUID userId, Collection<Week> targets, long nowMs, Optional<Rejection> rejection) {
        List<Emission> emissions = new ArrayList<>();
        TreeMap<Week, CustomerState.Emitted> emitted = new TreeMap<>(state.emitted());
        CustomerState.CustomerRow customer = state.customer();
        for (Week target : targets) {
            Optional<SegmentAssignment> assignment = customer != null && customer.usable()
                    ? policy.assign(target, week -> statusOf(state, week))
                    : Optional.empty();
            CustomerState.Emitted before = emitted.get(target);
            SegmentKey key = new SegmentKey(target, userId);
            if (assignment.isEmpty()) {
                if (before != null) {
                    emitted.remove(target);
                    emissions.add(new Emission(key, null, endReason(state, target)));
                }
                continue;
            }
            SegmentAssignment a = assignment.get();
            UUID subscriptionId = state.weeks().get(target).subscriptionId();
            CustomerState.Emitted now =
                    new CustomerState.Emitted(a.segment(), a.pauseWeeks(), subscriptionId, customer.email());
            if (!now.equals(before)) {
                emitted.put(target, now);
                emissions.add(new Emission(
                        key,
                        new CustomerSegment(
                                userId, customer.email(), target, a.segment(), a.pauseWeeks(), subscriptionId, nowMs),
                        null));
            }
        }
        return new Outcome(state.withEmitted(emitted), emissions, rejection, Effect.APPLIED);
    }

    /** Why {@code target}, targeted until now, is not any more. */
    private static EndReason endReason(CustomerState state, Week target) {
        CustomerState.CustomerRow customer = state.customer();
        if (customer == null) {
            return EndReason.CUSTOMER_DELETED;
        }
        if (!customer.usable()) {
            return EndReason.EMAIL_UNUSABLE;
        }
        SubscriptionStatus status = statusOf(state, target);
        if (status == null) {
            return EndReason.SUBSCRIPTION_DELETED;
        }
        return switch (status) {
            case ACTIVE -> EndReason.RESUMED;
            case CANCELLED -> EndReason.CANCELLED;
            case PAUSED -> EndReason.NOT_TARGETED;
        };
    }

    /** Moves the customer's clock to {@code recordMs} and prunes what can no longer matter. */
    private CustomerState advance(CustomerState state, long recordMs) {
        if (recordMs <= 0 || recordMs <= state.latestRecordMs()) {
            return state;
        }
        CustomerState advanced = state.withLatestRecordMs(recordMs);
        return advanced.prunedBefore(boundary(advanced));
    }

    /** The first week still kept for this customer, or null before any timestamped record. */
    Week boundary(CustomerState state) {
        return state.latestRecordMs() <= 0 ? null : Week.current(Instant.ofEpochMilli(state.latestRecordMs()), zone);
    }

    private static SubscriptionStatus statusOf(CustomerState state, Week week) {
        CustomerState.WeekRow row = state.weeks().get(week);
        return row == null ? null : row.status();
    }
}
