package dev.hfc.producer.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.producer.cdc.ChangeMapper.Output;
import dev.hfc.producer.cdc.ChangeMapper.Table;
import dev.hfc.producer.cdc.ChangeMapper.Target;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChangeMapperTest {

    private static final String U1 = "11111111-1111-4111-8111-111111111111";
    private static final String U2 = "22222222-2222-4222-8222-222222222222";
    private static final String S1 = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";

    private static String sub(String user, String week, String status) {
        return "{\"subscription_id\":\"" + S1 + "\",\"subscription_week\":\"" + week + "\",\"user_id\":"
                + (user == null ? "null" : "\"" + user + "\"") + ",\"status\":\"" + status + "\"}";
    }

    private static String envelope(String op, String before, String after) {
        return "{\"before\":" + before + ",\"after\":" + after
                + ",\"source\":{\"ts_ms\":1764000000000,\"table\":\"x\"}," + "\"op\":\"" + op
                + "\",\"ts_ms\":1764000000099}";
    }

    private static SubscriptionEvent event(Output o) {
        assertThat(o.target()).isEqualTo(Target.SUBSCRIPTION_EVENTS);
        return EventCodecs.SUBSCRIPTION_EVENT.decode(o.value()).orThrow();
    }

    @Test
    void snapshotInsertAndUpdateRowsBecomeUpsertsKeyedByUserWithTheCommitTime() {
        for (String op : List.of("r", "c", "u")) {
            List<Output> out = ChangeMapper.map(
                    Table.SUBSCRIPTION,
                    null,
                    envelope(
                            op,
                            op.equals("u") ? sub(U1, "2026-W49", "active") : "null",
                            sub(U1, "2026-W49", "paused")));
            assertThat(out).singleElement().satisfies(o -> {
                assertThat(new String(o.key(), StandardCharsets.UTF_8)).isEqualTo(U1);
                assertThat(o.timestampMs()).isEqualTo(1764000000000L);
                SubscriptionEvent e = event(o);
                assertThat(e.op()).isEqualTo(SubscriptionEvent.Op.UPSERT);
                assertThat(e.status()).isEqualTo(SubscriptionStatus.PAUSED);
                assertThat(e.week()).hasToString("2026-W49");
                assertThat(e.sourceTsMs()).isEqualTo(1764000000000L);
            });
        }
    }

    @Test
    void aDeleteBecomesADeleteEventAndItsTombstoneIsIgnored() {
        List<Output> out =
                ChangeMapper.map(Table.SUBSCRIPTION, null, envelope("d", sub(U1, "2026-W50", "paused"), "null"));
        assertThat(out)
                .singleElement()
                .satisfies(o -> assertThat(event(o).op()).isEqualTo(SubscriptionEvent.Op.DELETE));
        assertThat(ChangeMapper.map(Table.SUBSCRIPTION, "{\"subscription_id\":\"" + S1 + "\"}", null))
                .isEmpty();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({
        "2026-W49, skipped, unknown-status",
        "2026-W54, paused, invalid-week",
        "2026-W49, '', unknown-status"
    })
    void anUpdateOfAValidRowToAnInvalidValueWithdrawsTheOldUserWeekThenDeadLettersTheNew(
            String week, String status, String reason) {
        List<Output> out = ChangeMapper.map(
                Table.SUBSCRIPTION, null, envelope("u", sub(U1, "2026-W49", "paused"), sub(U1, week, status)));
        assertThat(out).hasSize(2);
        assertThat(event(out.get(0))).satisfies(e -> {
            assertThat(e.op()).isEqualTo(SubscriptionEvent.Op.DELETE);
            assertThat(e.userId()).hasToString(U1);
            assertThat(e.week()).hasToString("2026-W49");
        });
        assertThat(out.get(1).target()).isEqualTo(Target.DLQ);
        assertThat(out.get(1).rejection().reason().code()).isEqualTo(reason);
        assertThat(out.get(1).rejection().detail()).contains("withdrawn");
        // An invalid row that was never valid has nothing to withdraw.
        assertThat(ChangeMapper.map(
                        Table.SUBSCRIPTION, null, envelope("u", sub(U1, "2026-W99", "paused"), sub(U1, week, status))))
                .singleElement()
                .satisfies(o -> assertThat(o.target()).isEqualTo(Target.DLQ));
    }

    @Test
    void anUpdateThatMovesTheRowDeletesTheOldKeyAndUpsertsTheNew() {
        List<Output> week = ChangeMapper.map(
                Table.SUBSCRIPTION, null, envelope("u", sub(U1, "2026-W49", "paused"), sub(U1, "2026-W51", "paused")));
        assertThat(week).hasSize(2);
        assertThat(event(week.get(0))).satisfies(e -> {
            assertThat(e.op()).isEqualTo(SubscriptionEvent.Op.DELETE);
            assertThat(e.week()).hasToString("2026-W49");
        });
        assertThat(event(week.get(1)).week()).hasToString("2026-W51");

        List<Output> user = ChangeMapper.map(
                Table.SUBSCRIPTION, null, envelope("u", sub(U1, "2026-W49", "paused"), sub(U2, "2026-W49", "paused")));
        assertThat(user)
                .extracting(o -> new String(o.key(), StandardCharsets.UTF_8))
                .containsExactly(U1, U2);
    }

    @Test
    void badRowsAreDeadLetteredWithTheirReasonAndNothingIsPublished() {
        assertThat(reasonOf(ChangeMapper.map(
                        Table.SUBSCRIPTION, "{}", envelope("c", "null", sub(U1, "2026-W49", "skipped")))))
                .isEqualTo("unknown-status");
        assertThat(reasonOf(ChangeMapper.map(
                        Table.SUBSCRIPTION, "{}", envelope("c", "null", sub(U1, "2025-W53", "paused")))))
                .isEqualTo("invalid-week");
        assertThat(reasonOf(ChangeMapper.map(
                        Table.SUBSCRIPTION, "{}", envelope("c", "null", sub(U1, "2026-w1", "paused")))))
                .isEqualTo("invalid-week");
        assertThat(reasonOf(ChangeMapper.map(
                        Table.SUBSCRIPTION, "{}", envelope("c", "null", sub(null, "2026-W49", "paused")))))
                .isEqualTo("invalid-user-id");
        assertThat(reasonOf(ChangeMapper.map(Table.SUBSCRIPTION, "{}", "{not json")))
                .isEqualTo("malformed-json");
        List<Output> dead = ChangeMapper.map(
                Table.SUBSCRIPTION, "{\"k\":1}", envelope("c", "null", sub(U1, "2026-W49", "skipped")));
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).contains("skipped");
        assertThat(new String(dead.get(0).key(), StandardCharsets.UTF_8)).isEqualTo("{\"k\":1}");
    }

    @Test
    void anUpdateAwayFromAnInvalidRowOnlyUpsertsTheNewOne() {
        List<Output> out = ChangeMapper.map(
                Table.SUBSCRIPTION, null, envelope("u", sub(U1, "2025-W53", "paused"), sub(U1, "2026-W49", "active")));
        assertThat(out)
                .singleElement()
                .satisfies(o -> assertThat(event(o).op()).isEqualTo(SubscriptionEvent.Op.UPSERT));
    }

    @Test
    void customersBecomeEventsDeletesTombstonesAndUnusableEmailsAreReportedAndBlanked() {
        String good = "{\"user_id\":\"" + U1
                + "\",\"email\":\"O'Brien+box@Bücher.de\",\"status\":\"active\",\"date_created\":20000}";
        assertThat(ChangeMapper.map(Table.CUSTOMER, null, envelope("c", "null", good)))
                .singleElement()
                .satisfies(o -> {
                    assertThat(o.target()).isEqualTo(Target.CUSTOMERS);
                    assertThat(EventCodecs.CUSTOMER.decode(o.value()).orThrow())
                            .isEqualTo(new CustomerEvent(
                                    java.util.UUID.fromString(U1), "O'Brien+box@Bücher.de", "active"));
                });
        assertThat(ChangeMapper.map(Table.CUSTOMER, null, envelope("d", good, "null")))
                .singleElement()
                .satisfies(o -> {
                    assertThat(o.target()).isEqualTo(Target.CUSTOMERS);
                    assertThat(o.value()).isNull();
                });
        String bad =
                "{\"user_id\":\"" + U1 + "\",\"email\":\"" + "x".repeat(60) + "@example.com\",\"status\":\"active\"}";
        List<Output> out = ChangeMapper.map(Table.CUSTOMER, null, envelope("u", good, bad));
        assertThat(out).extracting(Output::target).containsExactly(Target.DLQ, Target.CUSTOMERS);
        assertThat(out.get(0).rejection().detail()).contains("72 characters");
        assertThat(EventCodecs.CUSTOMER.decode(out.get(1).value()).orThrow().email())
                .isNull();
    }

    @Test
    void otherTablesAndHeartbeatsAreIgnored() {
        assertThat(ChangeMapper.tableOf("hfc-cdc.public.customer")).isEqualTo(Table.CUSTOMER);
        assertThat(ChangeMapper.tableOf("hfc-cdc.s1.subscription")).isEqualTo(Table.SUBSCRIPTION);
        assertThat(ChangeMapper.tableOf("__debezium-heartbeat.hfc-cdc")).isEqualTo(Table.OTHER);
        assertThat(ChangeMapper.map(Table.OTHER, "{}", "{\"ts_ms\":1}")).isEmpty();
    }

    private static String reasonOf(List<Output> out) {
        assertThat(out).singleElement().satisfies(o -> assertThat(o.target()).isEqualTo(Target.DLQ));
        return out.get(0).rejection().reason().code();
    }

    /** A snapshot row read by the producer itself maps exactly as the same row read by Debezium's snapshot. */
    @Test
    void aRowOfTheProducersOwnSnapshotMapsAsTheSameRowReadByDebezium() throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<java.util.Map<String, String>> subscriptions = List.of(
                row("subscription_id", S1, "subscription_week", "2026-W49", "user_id", U1, "status", "paused"),
                row(
                        "subscription_id",
                        S1,
                        "subscription_week",
                        "2026-W49",
                        "user_id",
                        U1.toUpperCase(),
                        "status",
                        "active"),
                row("subscription_id", S1, "subscription_week", "2026-W49", "user_id", U1, "status", "skipped"),
                row("subscription_id", S1, "subscription_week", "2026-49", "user_id", U1, "status", "paused"),
                row("subscription_id", S1, "subscription_week", "2026-W49", "user_id", null, "status", "paused"),
                row(
                        "subscription_id",
                        S1,
                        "subscription_week",
                        "2026-W49",
                        "user_id",
                        "1-2-3-4-5",
                        "status",
                        "paused"));
        List<java.util.Map<String, String>> customers = List.of(
                row("user_id", U1, "email", "ok+x@example.com", "status", "active"),
                row("user_id", U2, "email", "not an address", "status", "active"),
                row("user_id", U2, "email", null, "status", "inactive"),
                row("user_id", "nope", "email", "ok@example.com", "status", "active"));
        for (var entry : java.util.Map.of(Table.SUBSCRIPTION, subscriptions, Table.CUSTOMER, customers)
                .entrySet()) {
            for (var r : entry.getValue()) {
                String debezium = "{\"before\":null,\"after\":" + json.writeValueAsString(r)
                        + ",\"source\":{\"ts_ms\":1764000000000},\"op\":\"r\"}";
                List<Output> expected = ChangeMapper.map(entry.getKey(), null, debezium);
                List<Output> actual = ChangeMapper.mapSnapshotRow(entry.getKey(), r, 1764000000000L);
                assertThat(actual).as("%s %s", entry.getKey(), r).hasSameSizeAs(expected);
                for (int i = 0; i < expected.size(); i++) {
                    Output e = expected.get(i);
                    Output a = actual.get(i);
                    assertThat(a.target()).isEqualTo(e.target());
                    assertThat(a.timestampMs()).isEqualTo(e.timestampMs());
                    assertThat(a.op()).isEqualTo(e.op());
                    if (e.target() == Target.DLQ) {
                        assertThat(a.rejection()).isEqualTo(e.rejection());
                        // The dead letter carries the row, as Debezium's envelope would.
                        var payload = json.readTree(a.value());
                        assertThat(payload.path("op").asText()).isEqualTo("r");
                        r.forEach((column, value) -> assertThat(
                                        payload.path("after").path(column).isNull()
                                                ? null
                                                : payload.path("after")
                                                        .path(column)
                                                        .asText())
                                .isEqualTo(value));
                    } else {
                        assertThat(a.key()).isEqualTo(e.key());
                        assertThat(a.value()).isEqualTo(e.value());
                    }
                }
            }
        }
    }

    /**
     * The engine's Connect records map exactly as the same records rendered to Debezium's JSON: every op, valid
     * and invalid rows, a key-moving update, and a customer delete that only has its key.
     */
    @Test
    void aConnectRecordMapsAsTheSameRecordInDebeziumsJson() {
        var json = new org.apache.kafka.connect.json.JsonConverter();
        json.configure(java.util.Map.of("schemas.enable", "false"), false);
        var keyJson = new org.apache.kafka.connect.json.JsonConverter();
        keyJson.configure(java.util.Map.of("schemas.enable", "false"), true);
        var subRow = org.apache.kafka.connect.data.SchemaBuilder.struct()
                .optional()
                .field("subscription_id", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("subscription_week", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("user_id", org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA)
                .field("status", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .build();
        var custRow = org.apache.kafka.connect.data.SchemaBuilder.struct()
                .optional()
                .field("user_id", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("email", org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA)
                .field("status", org.apache.kafka.connect.data.Schema.OPTIONAL_STRING_SCHEMA)
                .build();
        var source = org.apache.kafka.connect.data.SchemaBuilder.struct()
                .field("ts_ms", org.apache.kafka.connect.data.Schema.INT64_SCHEMA)
                .build();
        record Case(Table table, String op, Object[] before, Object[] after, String keyUser) {}
        List<Case> cases = List.of(
                new Case(Table.SUBSCRIPTION, "r", null, new Object[] {S1, "2026-W49", U1, "paused"}, null),
                new Case(Table.SUBSCRIPTION, "c", null, new Object[] {S1, "2026-W49", U1, "active"}, null),
                new Case(
                        Table.SUBSCRIPTION,
                        "u",
                        new Object[] {S1, "2026-W49", U1, "active"},
                        new Object[] {S1, "2026-W50", U1, "paused"},
                        null),
                new Case(
                        Table.SUBSCRIPTION,
                        "u",
                        new Object[] {S1, "2026-W49", U1, "paused"},
                        new Object[] {S1, "2026-W49", U1, "skipped"},
                        null),
                new Case(Table.SUBSCRIPTION, "d", new Object[] {S1, "2026-W49", U1, "paused"}, null, null),
                new Case(Table.SUBSCRIPTION, "d", null, null, null),
                new Case(Table.SUBSCRIPTION, "c", null, new Object[] {S1, "2026-49", U1, "paused"}, null),
                new Case(Table.SUBSCRIPTION, "c", null, new Object[] {S1, "2026-W49", null, "paused"}, null),
                new Case(Table.SUBSCRIPTION, "x", null, new Object[] {S1, "2026-W49", U1, "paused"}, null),
                new Case(Table.CUSTOMER, "c", null, new Object[] {U1, "ok+x@example.com", "active"}, U1),
                new Case(
                        Table.CUSTOMER,
                        "u",
                        new Object[] {U1, "ok@example.com", "active"},
                        new Object[] {U1, "not an address", "active"},
                        U1),
                new Case(Table.CUSTOMER, "d", new Object[] {U2, "ok@example.com", "active"}, null, U2),
                new Case(Table.CUSTOMER, "d", null, null, U2),
                new Case(Table.CUSTOMER, "d", null, null, "not-a-uuid"));
        for (Case c : cases) {
            var row = c.table() == Table.SUBSCRIPTION ? subRow : custRow;
            var envelope = org.apache.kafka.connect.data.SchemaBuilder.struct()
                    .field("before", row)
                    .field("after", row)
                    .field("source", source)
                    .field("op", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                    .build();
            var value = new org.apache.kafka.connect.data.Struct(envelope)
                    .put("before", struct(row, c.before()))
                    .put("after", struct(row, c.after()))
                    .put("source", new org.apache.kafka.connect.data.Struct(source).put("ts_ms", 1764000000000L))
                    .put("op", c.op());
            var keySchema = org.apache.kafka.connect.data.SchemaBuilder.struct()
                    .field("user_id", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                    .build();
            var key = c.keyUser() == null
                    ? null
                    : new org.apache.kafka.connect.data.Struct(keySchema).put("user_id", c.keyUser());
            String keyText = key == null
                    ? null
                    : new String(keyJson.fromConnectData("t", keySchema, key), StandardCharsets.UTF_8);
            String valueText = new String(json.fromConnectData("t", envelope, value), StandardCharsets.UTF_8);
            List<Output> expected = ChangeMapper.map(c.table(), keyText, valueText);
            List<Output> actual = ChangeMapper.map(c.table(), key, value, () -> keyText, () -> valueText);
            assertThat(actual).as("%s %s", c.table(), c.op()).hasSameSizeAs(expected);
            for (int i = 0; i < expected.size(); i++) {
                Output e = expected.get(i);
                Output a = actual.get(i);
                assertThat(a.target()).isEqualTo(e.target());
                assertThat(a.key()).isEqualTo(e.key());
                assertThat(a.value()).isEqualTo(e.value());
                assertThat(a.timestampMs()).isEqualTo(e.timestampMs());
                assertThat(a.rejection()).isEqualTo(e.rejection());
                assertThat(a.op()).isEqualTo(e.op());
            }
        }
        assertThat(ChangeMapper.map(Table.SUBSCRIPTION, null, null, () -> null, () -> null))
                .isEmpty();
    }

    private static org.apache.kafka.connect.data.Struct struct(
            org.apache.kafka.connect.data.Schema schema, Object[] values) {
        if (values == null) {
            return null;
        }
        var s = new org.apache.kafka.connect.data.Struct(schema);
        for (int i = 0; i < values.length; i++) {
            s.put(schema.fields().get(i).name(), values[i]);
        }
        return s;
    }

    private static java.util.Map<String, String> row(String... columnsAndValues) {
        java.util.Map<String, String> row = new java.util.LinkedHashMap<>();
        for (int i = 0; i < columnsAndValues.length; i += 2) {
            row.put(columnsAndValues[i], columnsAndValues[i + 1]);
        }
        return row;
    }
}
