package dev.hfc.producer.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.EmailAddress;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.InvalidWeekException;
import dev.hfc.core.week.Week;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.apache.kafka.connect.data.Struct;

/**
 * Turns one Debezium change event (JSON envelope without schemas: {@code before}, {@code after},
 * {@code source}, {@code op}) of {@code customer} or {@code subscription} into the project's §5 events, or
 * into dead letters with the reason. Pure: no Kafka clients, no Debezium types (Connect's {@code Struct}
 * is a plain value), no I/O.
 *
 * <ul>
 *   <li>subscription insert/update/snapshot row → an upsert; delete → a delete event; an update that moves
 *       a row to another week or user → a delete of the old (user, week) and an upsert of the new;</li>
 *   <li>customer insert/update/snapshot row → a customer event; delete → a tombstone. A customer whose
 *       email is unusable is dead-lettered <em>and</em> published without an email, so that downstream
 *       stops using the old address instead of guessing;</li>
 *   <li>a row with an unknown status, an invalid week label or no user is dead-lettered and nothing is
 *       published for it; when an update makes a valid row invalid, its old (user, week) is withdrawn first
 *       (a delete event), then the new value is dead-lettered.</li>
 * </ul>
 */
public final class ChangeMapper {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which of our topics an output goes to. */
    public enum Target { SUBSCRIPTION_EVENTS, CUSTOMERS, DLQ }

    /** One record to publish: key and value bytes (value null for a tombstone); for the DLQ, the reason. */
    public record Output(Target target, byte[] key, byte[] value, long timestampMs, Rejection rejection, String table, String op) {
        static Output publish(Target target, UUID userId, byte[] value, long ts, String table, String op) {
            return new Output(target, userId.toString().getBytes(StandardCharsets.UTF_8), value, ts, null, table, op);
        }
    }

    /** The source table name a change belongs to, as Debezium names it. */
    public enum Table { CUSTOMER, SUBSCRIPTION, OTHER }

    private ChangeMapper() {}

    public static Table tableOf(String destination) {
        if (destination == null) {
            return Table.OTHER;
        }
        if (destination.endsWith(".customer")) {
            return Table.CUSTOMER;
        }
        return destination.endsWith(".subscription") ? Table.SUBSCRIPTION : Table.OTHER;
    }

    /**
     * Maps one change. {@code key} and {@code value} are Debezium's JSON; a null value is the tombstone that
     * follows a delete (ignored: the delete itself was mapped).
     */
    public static List<Output> map(Table table, String key, String value) {
        if (value == null || table == Table.OTHER) {
            return List.of();
        }
        JsonNode envelope;
        try {
            envelope = JSON.readTree(value);
        } catch (IOException e) {
            return List.of(dead(table, key, () -> value, RejectReason.MALFORMED_JSON, "change event is not JSON: " + e.getMessage()));
        }
        String op = envelope.path("op").asText("");
        long ts = envelope.path("source").path("ts_ms").asLong(envelope.path("ts_ms").asLong(0));
        return map(table, op, fields(envelope.get("before")), fields(envelope.get("after")), ts, () -> jsonFields(key),
                () -> value, () -> key);
    }

    /**
     * Maps one change as the engine hands it over in Connect form ({@code Struct}s, no JSON written and
     * parsed again): the same rules as {@link #map(Table, String, String)}, tested equal to it. A null value
     * is the tombstone that follows a delete (ignored). {@code keyJson} and {@code valueJson} render the
     * record as Debezium's JSON, only for a dead letter.
     */
    public static List<Output> map(Table table, Struct key, Struct value, Supplier<String> keyJson, Supplier<String> valueJson) {
        if (value == null || table == Table.OTHER) {
            return List.of();
        }
        String op = text(value, "op");
        Struct source = struct(value, "source");
        Object ts = source == null ? null : field(source, "ts_ms");
        if (ts == null) {
            ts = field(value, "ts_ms");
        }
        return map(table, op == null ? "" : op, fields(struct(value, "before")), fields(struct(value, "after")),
                ts instanceof Number n ? n.longValue() : 0L, () -> fields(key), valueJson, keyJson);
    }

    /**
     * Maps one row of the producer's own initial snapshot ({@link InitialSnapshot}): an {@code r} change with
     * the row's columns as text (null for SQL NULL), under the same rules as a row Debezium read. A dead
     * letter carries the row as Debezium's JSON envelope would have ({@code op}, {@code after}).
     */
    public static List<Output> mapSnapshotRow(Table table, Map<String, String> row, long ts) {
        if (table == Table.OTHER) {
            return List.of();
        }
        Supplier<String> value = () -> snapshotRowJson(row, ts);
        Supplier<String> key = () -> JSON.createObjectNode().put(table == Table.CUSTOMER ? "user_id" : "subscription_id",
                row.get(table == Table.CUSTOMER ? "user_id" : "subscription_id")).toString();
        return map(table, "r", null, row::get, ts, () -> null, value, key);
    }

    /**
     * Maps every subscription row of one customer, read together at one moment, to its customer snapshot
     * (§5): {@code weeks} is PostgreSQL's {@code json_agg} of {@code [week, status, subscription_id]} arrays
     * ({@link CustomerSnapshotQuery}). Each row is checked under the same rules as a change; a row refused is
     * dead-lettered as one would be, and the snapshot carries the customer's valid rows (a refused row is no
     * more published in a snapshot than as a change). {@code weeks} null: the customer has no rows. A
     * snapshot larger than a consumer reads is dead-lettered as oversized.
     */
    public static List<Output> mapCustomerSnapshot(String userIdText, String weeks, long ts) {
        List<Output> out = new ArrayList<>(1);
        UUID userId = dev.hfc.core.event.UserIds.parse(userIdText).orElse(null);
        List<dev.hfc.core.event.CustomerSnapshot.WeekRow> rows = new ArrayList<>(16);
        // [["2026-W49","paused","<subscription_id>"], ...], read as a stream (no tree per row).
        try (com.fasterxml.jackson.core.JsonParser p = JSON.getFactory().createParser(weeks == null ? "[]" : weeks)) {
            expect(p.nextToken(), com.fasterxml.jackson.core.JsonToken.START_ARRAY, weeks);
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
                String[] row = {p.nextTextValue(), p.nextTextValue(), p.nextTextValue()};
                expect(p.nextToken(), com.fasterxml.jackson.core.JsonToken.END_ARRAY, weeks);
                Fields fields = column -> switch (column) {
                    case "user_id" -> userIdText;
                    case "subscription_week" -> row[0];
                    case "status" -> row[1];
                    case "subscription_id" -> row[2];
                    default -> null;
                };
                try {
                    Row r = userId == null ? row(fields) : row(userId, fields);
                    rows.add(new dev.hfc.core.event.CustomerSnapshot.WeekRow(r.week, r.status, r.subscriptionId));
                } catch (Refused refused) {
                    Map<String, String> columns = new java.util.LinkedHashMap<>();
                    for (String c : new String[] {"subscription_id", "subscription_week", "user_id", "status"}) {
                        columns.put(c, fields.text(c));
                    }
                    out.add(dead(Table.SUBSCRIPTION, JSON.createObjectNode().put("subscription_id", row[2]).toString(),
                            () -> snapshotRowJson(columns, ts), refused.reason, refused.getMessage()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL's json_agg of " + userIdText + "'s rows is not as expected: " + e.getMessage(), e);
        }
        if (userId == null) {
            return out; // each of its rows was refused above for the same reason
        }
        byte[] bytes = EventCodecs.SUBSCRIPTION_INPUT.encode(new dev.hfc.core.event.CustomerSnapshot(userId, rows, ts));
        if (bytes.length > EventCodecs.SUBSCRIPTION_INPUT_MAX_BYTES) {
            out.add(new Output(Target.DLQ, userIdText.getBytes(StandardCharsets.UTF_8), bytes, 0L, new Rejection(RejectReason.OVERSIZED,
                    "snapshot of " + userId + " with " + rows.size() + " weeks is " + bytes.length + " bytes, more than the "
                            + EventCodecs.SUBSCRIPTION_INPUT_MAX_BYTES + " a consumer reads"), "subscription", "dlq"));
            return out;
        }
        out.add(Output.publish(Target.SUBSCRIPTION_EVENTS, userId, bytes, ts, "subscription", "snapshot"));
        return out;
    }

    private static void expect(com.fasterxml.jackson.core.JsonToken actual, com.fasterxml.jackson.core.JsonToken expected,
                               String json) throws IOException {
        if (actual != expected) {
            throw new IOException("expected " + expected + ", got " + actual + " in " + json);
        }
    }

    /** A snapshot row as Debezium's JSON envelope of an {@code r} change would carry it, for a dead letter. */
    private static String snapshotRowJson(Map<String, String> row, long ts) {
        var envelope = JSON.createObjectNode().put("op", "r");
        var after = envelope.putObject("after");
        row.forEach(after::put);
        envelope.putObject("source").put("snapshot", "hfc").put("ts_ms", ts);
        return envelope.toString();
    }

    /**
     * @param key     the record key's columns, read only for a customer delete without its old row
     * @param value   the change as JSON, for a dead letter
     * @param deadKey the key as JSON, for a dead letter
     */
    private static List<Output> map(Table table, String op, Fields before, Fields after, long ts, Supplier<Fields> key,
                                    Supplier<String> value, Supplier<String> deadKey) {
        try {
            return table == Table.SUBSCRIPTION
                    ? subscription(op, before, after, ts, value, deadKey)
                    : customer(op, before, after, ts, key, value, deadKey);
        } catch (Refused r) {
            return List.of(dead(table, deadKey.get(), value, r.reason, r.getMessage()));
        }
    }

    /** A row's columns by name, as text; null for a missing column or SQL NULL. */
    @FunctionalInterface
    private interface Fields {
        String text(String column);
    }

    /** The columns of a row object of Debezium's JSON, or null when the row is absent. */
    private static Fields fields(JsonNode row) {
        if (row == null || row.isNull() || !row.isObject()) {
            return null;
        }
        return column -> {
            JsonNode n = row.get(column);
            return n == null || n.isNull() ? null : n.asText();
        };
    }

    private static List<Output> subscription(String op, Fields before, Fields after, long ts, Supplier<String> value,
                                             Supplier<String> deadKey) {
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
                    return List.of(deleteOf(oldRow, ts, "u"), dead(Table.SUBSCRIPTION, deadKey.get(), value, invalid.reason,
                            invalid.getMessage() + "; the old row's (user " + oldRow.userId + ", week " + oldRow.week
                                    + ") was withdrawn"));
                }
                if (before != null) {
                    Row oldRow = rowLenient(before);
                    if (oldRow != null && (!oldRow.userId.equals(newRow.userId) || !oldRow.week.equals(newRow.week))) {
                        out.add(deleteOf(oldRow, ts, "u"));
                    }
                }
                out.add(Output.publish(Target.SUBSCRIPTION_EVENTS, newRow.userId,
                        EventCodecs.SUBSCRIPTION_EVENT.encode(newRow.upsert(ts)), ts, "subscription", "u"));
            }
            case "d" -> {
                if (before == null) {
                    throw new Refused(RejectReason.MISSING_FIELD,
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
        return Output.publish(Target.SUBSCRIPTION_EVENTS, row.userId, EventCodecs.SUBSCRIPTION_EVENT.encode(row.upsert(ts)),
                ts, "subscription", op);
    }

    private static Output deleteOf(Row row, long ts, String op) {
        return Output.publish(Target.SUBSCRIPTION_EVENTS, row.userId,
                EventCodecs.SUBSCRIPTION_EVENT.encode(SubscriptionEvent.delete(row.userId, row.subscriptionId, row.week, ts)),
                ts, "subscription", op);
    }

    private static List<Output> customer(String op, Fields before, Fields after, long ts, Supplier<Fields> key,
                                         Supplier<String> value, Supplier<String> deadKey) {
        switch (op) {
            case "c", "r", "u" -> {
                if (after == null) {
                    throw new Refused(RejectReason.MISSING_FIELD, "customer change has no new row");
                }
                UUID userId = uuid(after, "user_id");
                String email = text(after, "email");
                String status = text(after, "status");
                Optional<Rejection> problem = EmailAddress.check(email);
                Output event = Output.publish(Target.CUSTOMERS, userId,
                        EventCodecs.CUSTOMER.encode(new CustomerEvent(userId, problem.isPresent() ? null : email, status)),
                        ts, "customer", op);
                if (problem.isEmpty()) {
                    return List.of(event);
                }
                Rejection r = problem.get();
                return List.of(dead(Table.CUSTOMER, deadKey.get(), value, r.reason(), "customer " + userId + ": " + r.detail()), event);
            }
            case "d" -> {
                UUID userId = before != null ? uuid(before, "user_id") : uuidFromKey(key);
                return List.of(Output.publish(Target.CUSTOMERS, userId, null, ts, "customer", "d"));
            }
            default -> throw new Refused(RejectReason.UNKNOWN_OP, "unknown change operation '" + op + "'");
        }
    }

    /** A subscription row, validated. */
    private record Row(UUID subscriptionId, Week week, UUID userId, SubscriptionStatus status) {
        SubscriptionEvent upsert(long ts) {
            return SubscriptionEvent.upsert(userId, subscriptionId, week, status, ts);
        }
    }

    private static Row row(Fields r) {
        if (r == null) {
            throw new Refused(RejectReason.MISSING_FIELD, "subscription change has no new row");
        }
        return row(uuid(r, "user_id"), r);
    }

    /** A subscription row of a user already known valid (a customer snapshot parses it once). */
    private static Row row(UUID userId, Fields r) {
        UUID subscriptionId = uuid(r, "subscription_id");
        String label = text(r, "subscription_week");
        Week week;
        try {
            week = Week.parse(label);
        } catch (InvalidWeekException e) {
            throw new Refused(RejectReason.INVALID_WEEK, "subscription " + subscriptionId + ": " + e.getMessage());
        }
        String statusText = text(r, "status");
        SubscriptionStatus status = SubscriptionStatus.fromWire(statusText).orElseThrow(() -> new Refused(
                RejectReason.UNKNOWN_STATUS, "subscription " + subscriptionId + ": status '" + statusText
                        + "' is not paused, active or cancelled"));
        return new Row(subscriptionId, week, userId, status);
    }

    /** The old row of an update or delete: its status may be anything, it only says what to remove. */
    private static Row rowLenient(Fields r) {
        try {
            UUID userId = uuid(r, "user_id");
            UUID subscriptionId = uuid(r, "subscription_id");
            Week week = Week.parse(text(r, "subscription_week"));
            return new Row(subscriptionId, week, userId, SubscriptionStatus.fromWire(text(r, "status")).orElse(null));
        } catch (Refused | InvalidWeekException e) {
            return null; // the old row was never published (it was invalid), so there is nothing to delete
        }
    }

    private static String text(Fields row, String field) {
        return row.text(field);
    }

    private static UUID uuid(Fields row, String field) {
        String s = text(row, field);
        return dev.hfc.core.event.UserIds.parse(s).orElseThrow(() -> new Refused(RejectReason.INVALID_USER_ID,
                field + " is " + (s == null ? "null" : "'" + s + "'") + ", not a UUID"));
    }

    private static UUID uuidFromKey(Supplier<Fields> key) {
        Fields k = key.get();
        if (k == null) {
            throw new Refused(RejectReason.INVALID_USER_ID, "delete without a user_id");
        }
        return uuid(k, "user_id");
    }

    /** The columns of Debezium's JSON key, or null when there is no readable key. */
    private static Fields jsonFields(String key) {
        if (key == null) {
            return null;
        }
        try {
            return fields(JSON.readTree(key));
        } catch (IOException e) {
            return null;
        }
    }

    /** The columns of a row {@code Struct}, or null when the row is absent. */
    private static Fields fields(Struct row) {
        if (row == null) {
            return null;
        }
        return column -> {
            Object v = field(row, column);
            return v == null ? null : v.toString();
        };
    }

    /** A field's value, or null when the struct's schema has no such field. */
    private static Object field(Struct struct, String name) {
        return struct.schema().field(name) == null ? null : struct.get(name);
    }

    private static Struct struct(Struct parent, String name) {
        return field(parent, name) instanceof Struct s ? s : null;
    }

    private static String text(Struct struct, String name) {
        Object v = field(struct, name);
        return v == null ? null : v.toString();
    }

    private static Output dead(Table table, String key, Supplier<String> value, RejectReason reason, String detail) {
        return new Output(Target.DLQ, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.get().getBytes(StandardCharsets.UTF_8), 0L, new Rejection(reason, detail),
                table.name().toLowerCase(java.util.Locale.ROOT), "dlq");
    }

    /** A row that cannot be mapped, and why. */
    private static final class Refused extends RuntimeException {
        final RejectReason reason;

        Refused(RejectReason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
