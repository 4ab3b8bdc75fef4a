package dev.hfc.segmenter;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's customer-state store seen as {@link CustomerState}s. The store holds the serde's bytes; this view
 * decodes what it reads, except the value it wrote last: a customer's events arrive one after another, and
 * the store's cache hands back the very array this view put, so the state it encoded is reused instead of
 * decoded again (decoding was a fifth of the store's cost per event in a profile; BENCHMARKS.md). An array
 * it did not write (restored, written by the task's other processor, or read from RocksDB after an eviction)
 * is always decoded. One instance per processor, used by its stream thread only.
 */
final class CustomerStates {

    private final KeyValueStore<String, byte[]> store;
    private byte[] lastBytes;
    private CustomerState lastState;

    CustomerStates(KeyValueStore<String, byte[]> store) {
        this.store = store;
    }

    CustomerState get(String key) {
        byte[] bytes = store.get(key);
        if (bytes == null) {
            return null;
        }
        if (bytes == lastBytes) {
            return lastState;
        }
        return remember(bytes, CustomerStateSerde.decode(bytes));
    }

    void put(String key, CustomerState state) {
        byte[] bytes = CustomerStateSerde.encode(state);
        store.put(key, bytes);
        remember(bytes, state);
    }

    void delete(String key) {
        store.delete(key);
    }

    /** Every customer from {@code from} on, inclusive ({@code null}: from the first), in key order. */
    KeyValueIterator<String, CustomerState> from(String from) {
        return decoding(from == null ? store.all() : store.range(from, null));
    }

    boolean isEmpty() {
        try (KeyValueIterator<String, byte[]> it = store.all()) {
            return !it.hasNext();
        }
    }

    private CustomerState remember(byte[] bytes, CustomerState state) {
        lastBytes = bytes;
        lastState = state;
        return state;
    }

    private static KeyValueIterator<String, CustomerState> decoding(KeyValueIterator<String, byte[]> raw) {
        return new KeyValueIterator<>() {
            @Override
            public boolean hasNext() {
                return raw.hasNext();
            }

            @Override
            public KeyValue<String, CustomerState> next() {
                KeyValue<String, byte[]> kv = raw.next();
                return KeyValue.pair(kv.key, CustomerStateSerde.decode(kv.value));
            }

            @Override
            public String peekNextKey() {
                return raw.peekNextKey();
            }

            @Override
            public void close() {
                raw.close();
            }
        };
    }
}
