package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class CustomerStateSerdeTest {

    @Test
    void roundTripsEveryPart() {
        var weeks = new TreeMap<Week, CustomerState.WeekRow>();
        weeks.put(Week.parse("2026-W53"), new CustomerState.WeekRow(SubscriptionStatus.PAUSED, UUID.randomUUID()));
        weeks.put(Week.parse("2027-W01"), new CustomerState.WeekRow(SubscriptionStatus.CANCELLED, UUID.randomUUID()));
        var emitted = new TreeMap<Week, CustomerState.Emitted>();
        emitted.put(
                Week.parse("2026-W53"),
                new CustomerState.Emitted(Segment.MEDIUM, 3, UUID.randomUUID(), "\"a,b\\\"c\"@ü.de"));
        for (CustomerState.CustomerRow customer : new CustomerState.CustomerRow[] {
            null, new CustomerState.CustomerRow("jürgen@example.com"), new CustomerState.CustomerRow(null)
        }) {
            var state = CustomerState.of(customer, weeks, emitted, 1_764_000_000_000L);
            assertThat(CustomerStateSerde.decode(CustomerStateSerde.encode(state)))
                    .isEqualTo(state);
        }
        assertThat(CustomerStateSerde.decode(CustomerStateSerde.encode(CustomerState.EMPTY)))
                .isEqualTo(CustomerState.EMPTY);
        // of() copies: the caller changing its map afterwards does not change the state.
        var state = CustomerState.of(null, weeks, emitted, 1L);
        weeks.clear();
        assertThat(state.weeks()).hasSize(2);
    }

    @Test
    void unreadableBytesSayWhat() {
        assertThatThrownBy(() -> CustomerStateSerde.decode(new byte[] {9, 9}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("customer state");
        assertThatThrownBy(() -> CustomerStateSerde.decode(new byte[] {1, 1}))
                .isInstanceOf(SerializationException.class);
    }
}
