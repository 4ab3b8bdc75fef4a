package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CustomerStatesTest {

    private KeyValueStore<String, byte[]> bytes;

    @BeforeEach
    void store() {
        bytes = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore("customer-state"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled()
                .build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        bytes.init(context.getStateStoreContext(), bytes);
    }

    private static CustomerState state(String email, SubscriptionStatus status) {
        return CustomerState.of(
                new CustomerState.CustomerRow(email),
                Map.of(
                        Week.parse("2026-W50"),
                        new CustomerState.WeekRow(status, UUID.nameUUIDFromBytes(email.getBytes()))),
                Map.of(),
                1_764_000_000_000L);
    }

    @Test
    void readsBackWhatItWroteWithoutDecodingIt() {
        CustomerStates states = new CustomerStates(bytes);
        CustomerState a = state("a@example.com", SubscriptionStatus.PAUSED);
        states.put("k", a);

        assertThat(states.get("k")).isSameAs(a);
        assertThat(bytes.get("k")).isEqualTo(CustomerStateSerde.encode(a)); // stored as the serde's bytes
    }

    @Test
    void decodesWhatItDidNotWriteLast() {
        CustomerStates mine = new CustomerStates(bytes);
        CustomerStates theOtherProcessor = new CustomerStates(bytes);
        CustomerState a = state("a@example.com", SubscriptionStatus.PAUSED);
        CustomerState b = state("b@example.com", SubscriptionStatus.ACTIVE);
        mine.put("k", a);
        theOtherProcessor.put("k", b);
        assertThat(mine.get("k")).isEqualTo(b);

        // Equal bytes in another array (a restore, or a read from RocksDB after the cache evicted it) are decoded.
        mine.put("k", a);
        bytes.put("k", CustomerStateSerde.encode(b));
        assertThat(mine.get("k")).isEqualTo(b);

        mine.put("other", a);
        assertThat(mine.get("k")).isEqualTo(b);
        mine.delete("k");
        assertThat(mine.get("k")).isNull();
        assertThat(mine.get("never")).isNull();
    }

    @Test
    void iteratesDecodedStatesInKeyOrderFromAKeyOn() {
        CustomerStates states = new CustomerStates(bytes);
        assertThat(states.isEmpty()).isTrue();
        CustomerState a = state("a@example.com", SubscriptionStatus.PAUSED);
        CustomerState b = state("b@example.com", SubscriptionStatus.CANCELLED);
        CustomerState c = state("c@example.com", SubscriptionStatus.ACTIVE);
        states.put("b", b);
        states.put("c", c);
        states.put("a", a);
        assertThat(states.isEmpty()).isFalse();

        assertThat(drain(states.from(null)))
                .containsExactly(KeyValue.pair("a", a), KeyValue.pair("b", b), KeyValue.pair("c", c));
        assertThat(drain(states.from("b"))).containsExactly(KeyValue.pair("b", b), KeyValue.pair("c", c));
    }

    private static List<KeyValue<String, CustomerState>> drain(KeyValueIterator<String, CustomerState> it) {
        List<KeyValue<String, CustomerState>> all = new ArrayList<>();
        try (it) {
            it.forEachRemaining(all::add);
        }
        return all;
    }
}
