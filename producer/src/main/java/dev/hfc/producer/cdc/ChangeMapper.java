package dev.hfc.producer.cdc;

import static dev.hfc.producer.cdc.ChangeFields.JSON;
import static dev.hfc.producer.cdc.ChangeFields.field;
import static dev.hfc.producer.cdc.ChangeFields.fields;
import static dev.hfc.producer.cdc.ChangeFields.jsonFields;
import static dev.hfc.producer.cdc.ChangeFields.struct;
import static dev.hfc.producer.cdc.ChangeFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.producer.cdc.ChangeFields.Fields;
import dev.hfc.producer.cdc.ChangeFields.Refused;
import dev.hfc.schema.Tables;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
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

    /** Which of our topics an output goes to. */
    public enum Target {
        SUBSCRIPTION_EVENTS,
        CUSTOMERS,
        DLQ
    }

    /** One record to publish: key and value bytes (value null for a tombstone); for the DLQ, the reason. */
    public record Output(
            Target target, byte[] key, byte[] value, long timestampMs, Rejection rejection, String table, String op) {
        static Output publish(Target target, UUID userId, byte[] value, long ts, String table, String op) {
            return new Output(target, userId.toString().getBytes(StandardCharsets.UTF_8), value, ts, null, table, op);
        }
    }

    /** The source table name a change belongs to, as Debezium names it. */
    public enum Table {
        CUSTOMER,
        SUBSCRIPTION,
        OTHER
    }

    private ChangeMapper() {}

    public static Table tableOf(String destination) {
        if (destination == null) {
            return Table.OTHER;
        }
        if (destination.endsWith("." + Tables.CUSTOMER)) {
            return Table.CUSTOMER;
        }
        return destination.endsWith("." + Tables.SUBSCRIPTION) ? Table.SUBSCRIPTION : Table.OTHER;
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
            return List.of(dead(
                    table,
                    key,
                    () -> value,
                    RejectReason.MALFORMED_JSON,
                    "change event is not JSON: " + e.getMessage()));
        }
        String op = envelope.path("op").asText("");
        long ts = envelope.path("source")
                .path("ts_ms")
                .asLong(envelope.path("ts_ms").asLong(0));
        return map(
                table,
                op,
                fields(envelope.get("before")),
                fields(envelope.get("after")),
                ts,
                () -> jsonFields(key),
                () -> value,
                () -> key);
    }

    /**
     * Maps one change as the engine hands it over in Connect form ({@code Struct}s, no JSON written and
     * parsed again): the same rules as {@link #map(Table, String, String)}, tested equal to it. A null value
     * is the tombstone that follows a delete (ignored). {@code keyJson} and {@code valueJson} render the
     * record as Debezium's JSON, only for a dead letter.
     */
    public static List<Output> map(
            Table table, Struct key, Struct value, Supplier<String> keyJson, Supplier<String> valueJson) {
        if (value == null || table == Table.OTHER) {
            return List.of();
        }
        String op = text(value, "op");
        Struct source = struct(value, "source");
        Object ts = source == null ? null : field(source, "ts_ms");
        if (ts == null) {
            ts = field(value, "ts_ms");
        }
        return map(
                table,
                op == null ? "" : op,
                fields(struct(value, "before")),
                fields(struct(value, "after")),
                ts instanceof Number n ? n.longValue() : 0L,
                () -> fields(key),
                valueJson,
                keyJson);
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
        Supplier<String> key = () -> JSON.createObjectNode()
                .put(
                        table == Table.CUSTOMER ? "user_id" : "subscription_id",
                        row.get(table == Table.CUSTOMER ? "user_id" : "subscription_id"))
                .toString();
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
        return CustomerSnapshotMapping.mapCustomerSnapshot(userIdText, weeks, ts);
    }

    /** A snapshot row as Debezium's JSON envelope of an {@code r} change would carry it, for a dead letter. */
    static String snapshotRowJson(Map<String, String> row, long ts) {
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
    private static List<Output> map(
            Table table,
            String op,
            Fields before,
            Fields after,
            long ts,
            Supplier<Fields> key,
            Supplier<String> value,
            Supplier<String> deadKey) {
        try {
            return table == Table.SUBSCRIPTION
                    ? SubscriptionMapping.subscription(op, before, after, ts, value, deadKey)
                    : CustomerMapping.customer(op, before, after, ts, key, value, deadKey);
        } catch (Refused r) {
            return List.of(dead(table, deadKey.get(), value, r.reason, r.getMessage()));
        }
    }

    /** A dead letter of {@code table}'s change: its key and value as JSON, and why it was refused. */
    static Output dead(Table table, String key, Supplier<String> value, RejectReason reason, String detail) {
        return new Output(
                Target.DLQ,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.get().getBytes(StandardCharsets.UTF_8),
                0L,
                new Rejection(reason, detail),
                table.name().toLowerCase(java.util.Locale.ROOT),
                "dlq");
    }
}
