package dev.hfc.producer.cdc;

import static dev.hfc.producer.cdc.ChangeFields.text;
import static dev.hfc.producer.cdc.ChangeFields.uuid;

import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.InvalidWeekException;
import dev.hfc.core.week.Week;
import dev.hfc.producer.cdc.ChangeFields.Fields;
import dev.hfc.producer.cdc.ChangeFields.Refused;
import dev.hfc.producer.cdc.ChangeMapper.Output;
import dev.hfc.producer.cdc.ChangeMapper.Table;
import dev.hfc.producer.cdc.ChangeMapper.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Maps a change of the {@code subscription} table to upserts and deletes of a (user, week), and validates a
 * subscription row ({@link ChangeMapper}'s subscription part).
 */
final class SubscriptionMapping {

    private SubscriptionMapping() {}

    /** A subscription row, validated. */
    record Row(UUID subscriptionId, Week week, UUID userId, SubscriptionStatus status) {
        SubscriptionEvent upsert(long ts) {
            return SubscriptionEvent.upsert(userId, subscriptionId, week, status, ts);
        }
    }

    static List<Output> subscription(
            String op, Fields before, Fields after, long ts, Supplier<String> value, Supplier<String> deadKey) {
        List<Output> out = new ArrayList<>(2);
        switch (op) {
            case "c", "r" -> out.add(upsert(after, ts, op));
            case "u" -> {
                Row newRow;
                try {
                    newRow = row(after);
                } catch (Refused invalid) {
                    // The old (user, week) was published; the row no longer says it is paused there.
                    Row oldRow = before != null ? rowLenient(before) : null;
                    if (oldRow == null) {
                        throw invalid;
                    }
                    return List.of(
                            deleteOf(oldRow, ts, "u"),
                            ChangeMapper.dead(
                                    Table.SUBSCRIPTION,
                                    deadKey.get(),
                                    value,
                                    invalid.reason,
                                    invalid.getMessage() + "; the old row's (user " + oldRow.userId() + ", week "
                                            + oldRow.week() + ") was withdrawn"));
                }
                if (before != null) {
                    Row oldRow = rowLenient(before);
                    if (oldRow != null
                            && (!oldRow.userId().equals(newRow.userId())
                                    || !oldRow.week().equals(newRow.week()))) {
                        out.add(deleteOf(oldRow, ts, "u"));
                    }
                }
                out.add(Output.publish(
                        Target.SUBSCRIPTION_EVENTS,
                        newRow.userId(),
                        EventCodecs.SUBSCRIPTION_EVENT.encode(newRow.upsert(ts)),
                        ts,
                        "subscription",
                        "u"));
            }
            case "d" -> {
                if (before == null) {
                    throw new Refused(
                            RejectReason.MISSING_FIELD,
                            "delete without the old row: the table needs REPLICA IDENTITY FULL");
                }
                Row oldRow = rowLenient(before);
                if (oldRow == null) {
                    throw new Refused(RejectReason.INVALID_USER_ID, "deleted row has no usable user_id, id or week");
                }
                out.add(deleteOf(oldRow, ts, "d"));
            }
            default -> throw new Refused(RejectReason.UNKNOWN_OP, "unknown change operation '" + op + "'");
        }
        return out;
    }

    private static Output upsert(Fields after, long ts, String op) {
        Row row = row(after);
        return Output.publish(
                Target.SUBSCRIPTION_EVENTS,
                row.userId(),
                EventCodecs.SUBSCRIPTION_EVENT.encode(row.upsert(ts)),
                ts,
                "subscription",
                op);
    }

    private static Output deleteOf(Row row, long ts, String op) {
        return Output.publish(
                Target.SUBSCRIPTION_EVENTS,
                row.userId(),
                EventCodecs.SUBSCRIPTION_EVENT.encode(
                        SubscriptionEvent.delete(row.userId(), row.subscriptionId(), row.week(), ts)),
                ts,
                "subscription",
                op);
    }

    static Row row(Fields r) {
        if (r == null) {
            throw new Refused(RejectReason.MISSING_FIELD, "subscription change has no new row");
        }
        return row(uuid(r, "user_id"), r);
    }

    /** A subscription row of a user already known valid (a customer snapshot parses it once). */
    static Row row(UUID userId, Fields r) {
        UUID subscriptionId = uuid(r, "subscription_id");
        String label = text(r, "subscription_week");
        Week week;
        try {
            week = Week.parse(label);
        } catch (InvalidWeekException e) {
            throw new Refused(RejectReason.INVALID_WEEK, "subscription " + subscriptionId + ": " + e.getMessage());
        }
        String statusText = text(r, "status");
        SubscriptionStatus status = SubscriptionStatus.fromWire(statusText)
                .orElseThrow(() -> new Refused(
                        RejectReason.UNKNOWN_STATUS,
                        "subscription " + subscriptionId + ": status '" + statusText
                                + "' is not paused, active or cancelled"));
        return new Row(subscriptionId, week, userId, status);
    }

    /** The old row of an update or delete: its status may be anything, it only says what to remove. */
    private static Row rowLenient(Fields r) {
        try {
            UUID userId = uuid(r, "user_id");
            UUID subscriptionId = uuid(r, "subscription_id");
            Week week = Week.parse(text(r, "subscription_week"));
            return new Row(
                    subscriptionId,
                    week,
                    userId,
                    SubscriptionStatus.fromWire(text(r, "status")).orElse(null));
        } catch (Refused | InvalidWeekException e) {
            return null; // the old row was never published (it was invalid), so there is nothing to delete
        }
    }
}
