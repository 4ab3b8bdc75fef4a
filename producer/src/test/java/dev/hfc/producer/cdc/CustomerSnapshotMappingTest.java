package dev.hfc.producer.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerSnapshot;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import dev.hfc.producer.cdc.ChangeMapper.Output;
import dev.hfc.producer.cdc.ChangeMapper.Target;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A customer's rows as PostgreSQL groups them ({@link CustomerSnapshotQuery}) become one customer snapshot,
 * under the same rules as a changed row: a refused row is dead-lettered and left out, the rest published.
 */
class CustomerSnapshotMappingTest {

    private static final String USER = "11111111-1111-4111-8111-111111111111";
    private static final String S1 = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
    private static final String S2 = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
    private static final String S3 = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";

    private static CustomerSnapshot snapshot(Output o) {
        assertThat(o.target()).isEqualTo(Target.SUBSCRIPTION_EVENTS);
        assertThat(new String(o.key(), StandardCharsets.UTF_8)).isEqualTo(USER);
        return (CustomerSnapshot)
                EventCodecs.SUBSCRIPTION_INPUT.decode(o.value()).orThrow();
    }

    @Test
    void everyRowOfTheCustomerInOneSnapshotInWeekOrder() {
        List<Output> out = ChangeMapper.mapCustomerSnapshot(
                USER, "[[\"2026-W51\",\"active\",\"" + S2 + "\"]," + "[\"2026-W50\",\"paused\",\"" + S1 + "\"]]", 42);
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.op()).isEqualTo("snapshot");
            assertThat(o.timestampMs()).isEqualTo(42);
            assertThat(snapshot(o))
                    .isEqualTo(new CustomerSnapshot(
                            UUID.fromString(USER),
                            List.of(
                                    new CustomerSnapshot.WeekRow(
                                            Week.parse("2026-W50"), SubscriptionStatus.PAUSED, UUID.fromString(S1)),
                                    new CustomerSnapshot.WeekRow(
                                            Week.parse("2026-W51"), SubscriptionStatus.ACTIVE, UUID.fromString(S2))),
                            42));
        });
    }

    @Test
    void aRefusedRowIsDeadLetteredWithItsReasonAndTheOthersPublished() {
        List<Output> out = ChangeMapper.mapCustomerSnapshot(
                USER,
                "[[\"2026-W50\",\"paused\",\"" + S1 + "\"]," + "[\"2026-W51\",\"skipped\",\"" + S2
                        + "\"],[\"2026-W54\",\"paused\",\"" + S3 + "\"],[\"2026-W52\",null,\"" + S2 + "\"]]",
                7);
        assertThat(out)
                .filteredOn(o -> o.target() == Target.DLQ)
                .extracting(o -> o.rejection().reason().code(), o -> new String(o.key(), StandardCharsets.UTF_8))
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("unknown-status", "{\"subscription_id\":\"" + S2 + "\"}"),
                        org.assertj.core.groups.Tuple.tuple("invalid-week", "{\"subscription_id\":\"" + S3 + "\"}"),
                        org.assertj.core.groups.Tuple.tuple("unknown-status", "{\"subscription_id\":\"" + S2 + "\"}"));
        assertThat(out)
                .filteredOn(o -> o.target() == Target.DLQ)
                .first()
                .satisfies(o -> assertThat(new String(o.value(), StandardCharsets.UTF_8))
                        .contains("\"op\":\"r\"")
                        .contains("\"status\":\"skipped\"")
                        .contains(USER));
        assertThat(out)
                .filteredOn(o -> o.target() == Target.SUBSCRIPTION_EVENTS)
                .singleElement()
                .satisfies(o -> assertThat(snapshot(o).weeks())
                        .extracting(w -> w.week().toString())
                        .containsExactly("2026-W50"));
    }

    @Test
    void noRowsIsAnEmptySnapshotAndAnUnusableUserIdPublishesNothing() {
        assertThat(ChangeMapper.mapCustomerSnapshot(USER, null, 1))
                .singleElement()
                .satisfies(o -> assertThat(snapshot(o).weeks()).isEmpty());
        List<Output> out =
                ChangeMapper.mapCustomerSnapshot("not-a-uuid", "[[\"2026-W50\",\"paused\",\"" + S1 + "\"]]", 1);
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.target()).isEqualTo(Target.DLQ);
            assertThat(o.rejection().reason().code()).isEqualTo("invalid-user-id");
        });
    }

    @Test
    void aSnapshotLargerThanAConsumerReadsIsDeadLetteredAsOversized() {
        StringBuilder rows = new StringBuilder("[");
        Week w = Week.parse("1990-W01");
        for (int i = 0; i < 3_000; i++) {
            rows.append(i == 0 ? "" : ",")
                    .append("[\"")
                    .append(w.plus(i))
                    .append("\",\"active\",\"")
                    .append(UUID.randomUUID())
                    .append("\"]");
        }
        List<Output> out = ChangeMapper.mapCustomerSnapshot(USER, rows + "]", 1);
        assertThat(out).singleElement().satisfies(o -> {
            assertThat(o.target()).isEqualTo(Target.DLQ);
            assertThat(o.rejection().reason().code()).isEqualTo("oversized");
            assertThat(o.rejection().detail()).contains("3000 weeks");
        });
    }

    @Test
    void theSignalsOfAReSnapshotRoundTripAndRefuseWhatIsNotOne() {
        SnapshotSignal all = SnapshotSignal.request("hfc_cdc", null);
        assertThat(SnapshotSignal.parse(all.toJson().getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(all);
        SnapshotSignal some = SnapshotSignal.request(null, List.of(UUID.fromString(USER)));
        assertThat(SnapshotSignal.parse(some.toJson().getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(some);
        assertThat(some.isFor("any_slot")).isTrue();
        SnapshotSignal low = SnapshotSignal.of(SnapshotSignal.Kind.LOW, "hfc_cdc", "hfc-1-1");
        assertThat(SnapshotSignal.parse(low.toJson().getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(low);
        assertThat(low.isFor("other")).isFalse();
        for (String bad : List.of(
                "x",
                "[]",
                "{\"kind\":\"frob\"}",
                "{\"kind\":\"request\"}",
                "{\"kind\":\"request\",\"users\":[\"nope\"]}",
                "{\"kind\":\"high\",\"slot\":\"s\"}")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> SnapshotSignal.parse(bad.getBytes(StandardCharsets.UTF_8)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
