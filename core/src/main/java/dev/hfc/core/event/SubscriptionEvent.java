package dev.hfc.core.event;

import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.util.Objects;
import java.util.UUID;

/**
 * One change of a {@code subscription} row (§5, topic {@code hfc.subscription-events}, key {@code user_id}).
 * An upsert carries the row's new status; a delete says the (user, week) row is gone, and carries the
 * last known status when the source had it.
 */
public record SubscriptionEvent(
        UUID userId, UUID subscriptionId, Week week, SubscriptionStatus status, Op op, long sourceTsMs)
        implements SubscriptionInput {

    public static final int SCHEMA_VERSION = 1;

    public enum Op {
        UPSERT("upsert"),
        DELETE("delete");

        private final String wire;

        Op(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    public SubscriptionEvent {
        Objects.requireNonNull(userId, "user_id");
        Objects.requireNonNull(subscriptionId, "subscription_id");
        Objects.requireNonNull(week, "week");
        Objects.requireNonNull(op, "op");
        if (op == Op.UPSERT) {
            Objects.requireNonNull(status, "status is required for an upsert");
        }
    }

    public static SubscriptionEvent upsert(
            UUID userId, UUID subscriptionId, Week week, SubscriptionStatus status, long sourceTsMs) {
        return new SubscriptionEvent(userId, subscriptionId, week, status, Op.UPSERT, sourceTsMs);
    }

    public static SubscriptionEvent delete(UUID userId, UUID subscriptionId, Week week, long sourceTsMs) {
        return new SubscriptionEvent(userId, subscriptionId, week, null, Op.DELETE, sourceTsMs);
    }
}
