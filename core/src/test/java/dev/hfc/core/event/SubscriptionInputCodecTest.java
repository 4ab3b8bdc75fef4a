package dev.hfc.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every value of hfc.subscription-events through one codec: changes, customer snapshots, snapshot markers. */
class SubscriptionInputCodecTest {

    private static final String USER = "00000000-0000-4000-8000-000000000001";
    private static final String SUB = "00000000-0000-4000-8000-000000000002";

    private static DecodeResult<SubscriptionInput> decode(String json) {
        return EventCodecs.SUBSCRIPTION_INPUT.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String week(String label, String status) {
        return "{\"week\":\"" + label + "\",\"status\":\"" + status + "\",\"subscription_id\":\"" + SUB + "\"}";
    }

    private static String snapshot(String weeks) {
        return "{\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"" + USER + "\",\"weeks\":" + weeks
                + ",\"source_ts_ms\":7}";
    }

    @RepeatedTest(20)
    void anySnapshotAndMarkerRoundTripsAndChangesDecodeAsBefore() {
        Random random = new Random();
        UUID user = UUID.randomUUID();
        List<CustomerSnapshot.WeekRow> rows = new ArrayList<>();
        Week w = Week.parse("2026-W01").plus(random.nextInt(300));
        for (int i = 0; i < random.nextInt(60); i++) {
            w = w.plus(1 + random.nextInt(2));
            rows.add(
                    new CustomerSnapshot.WeekRow(w, SubscriptionStatus.values()[random.nextInt(3)], UUID.randomUUID()));
        }
        CustomerSnapshot snapshot = new CustomerSnapshot(user, rows, random.nextLong());
        assertThat(EventCodecs.SUBSCRIPTION_INPUT
                        .decode(EventCodecs.SUBSCRIPTION_INPUT.encode(snapshot))
                        .orThrow())
                .isEqualTo(snapshot);
        SnapshotMarker marker = new SnapshotMarker(
                "hfc:" + random.nextInt(1000), SnapshotMarker.Phase.values()[random.nextInt(2)], random.nextLong());
        assertThat(EventCodecs.SUBSCRIPTION_INPUT
                        .decode(EventCodecs.SUBSCRIPTION_INPUT.encode(marker))
                        .orThrow())
                .isEqualTo(marker);
        SubscriptionEvent change = SubscriptionEvent.upsert(user, UUID.randomUUID(), w, SubscriptionStatus.PAUSED, 5);
        byte[] bytes = EventCodecs.SUBSCRIPTION_EVENT.encode(change);
        assertThat(EventCodecs.SUBSCRIPTION_INPUT.encode(change)).isEqualTo(bytes);
        assertThat(EventCodecs.SUBSCRIPTION_INPUT.decode(bytes).orThrow()).isEqualTo(change);
    }

    @Test
    void aSnapshotIsHeldInWeekOrderAndMayBeEmpty() {
        CustomerSnapshot s = (CustomerSnapshot) decode(snapshot("[" + week("2026-W52", "active") + ","
                        + week("2026-W50", "paused").replace(SUB, "00000000-0000-4000-8000-000000000003") + "]"))
                .orThrow();
        assertThat(s.weeks())
                .extracting(CustomerSnapshot.WeekRow::week)
                .containsExactly(Week.parse("2026-W50"), Week.parse("2026-W52"));
        assertThat(((CustomerSnapshot) decode(snapshot("[]")).orThrow()).weeks())
                .isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "a week twice               | duplicate-week | week 2026-W50 appears twice",
                "an invalid week            | invalid-week   | weeks[1]: field 'week'",
                "an unknown status          | unknown-status | weeks[1]: status 'skipped'",
                "no subscription id         | missing-field  | weeks[1]: field 'subscription_id' is missing",
                "weeks not an array         | wrong-type     | field 'weeks' must be an array",
                "no weeks                   | missing-field  | field 'weeks' is missing",
                "a week that is not object  | wrong-type     | weeks[1]: must be an object",
            })
    void aMalformedSnapshotIsRefusedWithItsReasonAndWhere(String what, String reason, String detail) {
        String second = switch (what.trim()) {
            case "a week twice" -> week("2026-W50", "active");
            case "an invalid week" -> week("2026-W54", "paused");
            case "an unknown status" -> week("2026-W51", "skipped");
            case "no subscription id" -> "{\"week\":\"2026-W51\",\"status\":\"paused\"}";
            case "a week that is not object" -> "\"2026-W51\"";
            default -> null;
        };
        String json = switch (what.trim()) {
            case "weeks not an array" -> snapshot("{}");
            case "no weeks" ->
                "{\"schema_version\":1,\"op\":\"snapshot\",\"user_id\":\"" + USER + "\",\"source_ts_ms\":7}";
            default -> snapshot("[" + week("2026-W50", "paused") + "," + second + "]");
        };
        DecodeResult<SubscriptionInput> result = decode(json);
        assertThat(result).isInstanceOfSatisfying(DecodeResult.Invalid.class, invalid -> {
            Rejection r = ((DecodeResult.Invalid<?>) invalid).rejection();
            assertThat(r.reason().code()).isEqualTo(reason.trim());
            assertThat(r.detail())
                    .startsWith("subscription event: snapshot of " + USER)
                    .contains(detail.trim());
        });
    }

    @Test
    void aSnapshotUpToTheLimitIsReadAndOneBeyondItIsOversized() {
        StringBuilder weeks = new StringBuilder("[");
        Week w = Week.parse("2000-W01");
        while (weeks.length() < EventCodecs.SUBSCRIPTION_INPUT_MAX_BYTES - 200) {
            weeks.append(weeks.length() > 1 ? "," : "").append(week(w.toString(), "active"));
            w = w.plus(1);
        }
        String fits = snapshot(weeks + "]");
        assertThat(fits.length()).isLessThanOrEqualTo(EventCodecs.SUBSCRIPTION_INPUT_MAX_BYTES);
        assertThat(decode(fits).isValid()).isTrue();
        String beyond = snapshot(weeks + "," + week(w.toString(), "active") + ","
                + week(w.plus(1).toString(), "active") + "]");
        assertThat(beyond.length()).isGreaterThan(EventCodecs.SUBSCRIPTION_INPUT_MAX_BYTES);
        assertThat(decode(beyond))
                .isEqualTo(DecodeResult.invalid(
                        RejectReason.OVERSIZED,
                        "subscription event value is " + beyond.length() + " bytes, more than the "
                                + EventCodecs.SUBSCRIPTION_INPUT_MAX_BYTES + " allowed"));
    }

    @Test
    void markersAndUnknownOpsAreReadOrRefusedByOp() {
        assertThat(decode(
                                "{\"schema_version\":1,\"op\":\"snapshot-begin\",\"snapshot_id\":\"hfc:1\",\"source_ts_ms\":3}")
                        .orThrow())
                .isEqualTo(new SnapshotMarker("hfc:1", SnapshotMarker.Phase.BEGIN, 3));
        DecodeResult<SubscriptionInput> badId =
                decode("{\"schema_version\":1,\"op\":\"snapshot-end\",\"snapshot_id\":\"a b\",\"source_ts_ms\":3}");
        assertThat(badId.isValid()).isFalse();
        DecodeResult<SubscriptionInput> merge =
                decode("{\"schema_version\":1,\"op\":\"merge\",\"user_id\":\"" + USER + "\"}");
        assertThat(((DecodeResult.Invalid<?>) merge).rejection().reason()).isEqualTo(RejectReason.UNKNOWN_OP);
        // The per-change codec still refuses what is not a change, as before.
        assertThat(EventCodecs.SUBSCRIPTION_EVENT.decode(snapshot("[]").getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(DecodeResult.invalid(
                        RejectReason.UNKNOWN_OP, "subscription event: op 'snapshot' is not upsert or delete"));
    }

    @Test
    void aSnapshotBuiltInCodeRefusesAWeekTwice() {
        Week w = Week.parse("2026-W50");
        var row = new CustomerSnapshot.WeekRow(w, SubscriptionStatus.PAUSED, UUID.randomUUID());
        assertThatThrownBy(() -> new CustomerSnapshot(UUID.randomUUID(), List.of(row, row), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2026-W50");
    }
}
