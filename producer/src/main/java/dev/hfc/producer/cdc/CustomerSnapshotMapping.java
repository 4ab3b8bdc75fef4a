package dev.hfc.producer.cdc;

import static dev.hfc.producer.cdc.ChangeFields.JSON;

import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.producer.cdc.ChangeFields.Fields;
import dev.hfc.producer.cdc.ChangeFields.Refused;
import dev.hfc.producer.cdc.ChangeMapper.Output;
import dev.hfc.producer.cdc.ChangeMapper.Table;
import dev.hfc.producer.cdc.ChangeMapper.Target;
import dev.hfc.producer.cdc.SubscriptionMapping.Row;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Maps every subscription row of one customer, read together, to its customer snapshot
 * ({@link ChangeMapper#mapCustomerSnapshot}'s work).
 */
final class CustomerSnapshotMapping {

    private CustomerSnapshotMapping() {}

    static List<Output> mapCustomerSnapshot(String userIdText, String weeks, long ts) {
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
                    Row r = userId == null ? SubscriptionMapping.row(fields) : SubscriptionMapping.row(userId, fields);
                    rows.add(new dev.hfc.core.event.CustomerSnapshot.WeekRow(r.week(), r.status(), r.subscriptionId()));
                } catch (Refused refused) {
                    Map<String, String> columns = new java.util.LinkedHashMap<>();
                    for (String c : new String[] {"subscription_id", "subscription_week", "user_id", "status"}) {
                        columns.put(c, fields.text(c));
                    }
                    out.add(ChangeMapper.dead(
                            Table.SUBSCRIPTION,
                            JSON.createObjectNode()
                                    .put("subscription_id", row[2])
                                    .toString(),
                            () -> ChangeMapper.snapshotRowJson(columns, ts),
                            refused.reason,
                            refused.getMessage()));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "PostgreSQL's json_agg of " + userIdText + "'s rows is not as expected: " + e.getMessage(), e);
        }
        if (userId == null) {
            return out; // each of its rows was refused above for the same reason
        }
        byte[] bytes = EventCodecs.SUBSCRIPTION_INPUT.encode(new dev.hfc.core.event.CustomerSnapshot(userId, rows, ts));
        if (bytes.length > EventCodecs.SUBSCRIPTION_INPUT_MAX_BYTES) {
            out.add(new Output(
                    Target.DLQ,
                    userIdText.getBytes(StandardCharsets.UTF_8),
                    bytes,
                    0L,
                    new Rejection(
                            RejectReason.OVERSIZED,
                            "snapshot of " + userId + " with " + rows.size() + " weeks is " + bytes.length
                                    + " bytes, more than the " + EventCodecs.SUBSCRIPTION_INPUT_MAX_BYTES
                                    + " a consumer reads"),
                    "subscription",
                    "dlq"));
            return out;
        }
        out.add(Output.publish(Target.SUBSCRIPTION_EVENTS, userId, bytes, ts, "subscription", "snapshot"));
        return out;
    }

    private static void expect(
            com.fasterxml.jackson.core.JsonToken actual, com.fasterxml.jackson.core.JsonToken expected, String json)
            throws IOException {
        if (actual != expected) {
            throw new IOException("expected " + expected + ", got " + actual + " in " + json);
        }
    }
}
