package dev.hfc.segmenter;

import dev.hfc.core.topic.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The segmenter's topology (§2, §4): both inputs, keyed by user_id and so co-partitioned, feed one
 * per-customer state store; every change recomputes the affected target weeks and publishes what changed
 * to {@code hfc.customer-segments}; refused records go to {@code hfc.dlq}.
 *
 * <pre>
 *   subscription-events ──▶ segment-subscriptions ─┐            ┌─▶ customer-segments
 *                                  │ customer-state │ store ──▶ │
 *   customers ───────────▶ segment-customers ──────┘            └─▶ dlq
 *   &lt;app&gt;-published-seed ─▶ seed-published (only while a task rebuilds; {@link History})
 * </pre>
 */
public final class SegmenterTopology {

    public static final String STATE_STORE = "customer-state";
    /** Users with subscription rows and no customer row yet, with the time the first such row arrived. */
    public static final String WAITING_STORE = "customer-waiting";
    /** Per task: the fingerprint of the policy its output was computed under, and a re-segmentation's position. */
    public static final String META_STORE = dev.hfc.core.topic.SegmenterMeta.STORE;

    public static final String STAGE = "segmenter";
    static final String SEGMENTS_SINK = "customer-segments-sink";
    static final String DLQ_SINK = "dlq-sink";
    static final String SEED_SOURCE = "published-seed-source";

    private SegmenterTopology() {}

    public static Topology build(SegmenterConfig config, SegmenterMetrics metrics) {
        Topics topics = config.topics();
        Segmentation segmentation = new Segmentation(config.policy(), config.zone());
        // Values are CustomerStateSerde's bytes, read and written through CustomerStates.
        StoreBuilder<KeyValueStore<String, byte[]>> store = Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(STATE_STORE), Serdes.String(), Serdes.ByteArray())
                // A customer's events arrive together (its row, then its ~11 subscription rows): between two
                // commits the cache folds them into one RocksDB write and one changelog record (+21% events/s at a
                // 100 ms commit interval, +32% at 30 ms; BENCHMARKS.md).
                .withCachingEnabled();

        Topology topology = new Topology();
        topology.addSource(
                "subscription-events-source",
                topics.subscriptionEvents().keySerde().deserializer(),
                topics.subscriptionEvents().valueSerde().deserializer(),
                topics.subscriptionEvents().name());
        topology.addSource(
                "customers-source",
                topics.customers().keySerde().deserializer(),
                topics.customers().valueSerde().deserializer(),
                topics.customers().name());
        topology.addProcessor(
                "segment-subscriptions",
                () -> new SubscriptionsProcessor(segmentation, metrics, config),
                "subscription-events-source");
        topology.addProcessor(
                "segment-customers", () -> new CustomersProcessor(segmentation, metrics, config), "customers-source");
        String[] processors = {"segment-subscriptions", "segment-customers"};
        String seedTopic = config.history().seedTopic();
        if (seedTopic != null) {
            topology.addSource(
                    SEED_SOURCE,
                    Serdes.String().deserializer(),
                    Serdes.ByteArray().deserializer(),
                    seedTopic);
            topology.addProcessor("seed-published", () -> new SeedProcessor(metrics), SEED_SOURCE);
            processors = new String[] {"segment-subscriptions", "segment-customers", "seed-published"};
        }
        topology.addStateStore(store, processors);
        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(WAITING_STORE), Serdes.String(), Serdes.Long()),
                "segment-subscriptions",
                "segment-customers");
        // Read per record (is the task rebuilding?): cached, so that is a map look-up.
        topology.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(META_STORE), Serdes.String(), Serdes.String())
                        .withCachingEnabled(),
                processors);
        topology.addSink(
                SEGMENTS_SINK,
                topics.customerSegments().name(),
                Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(),
                "segment-subscriptions",
                "segment-customers");
        topology.addSink(
                DLQ_SINK,
                topics.dlq().name(),
                Serdes.ByteArray().serializer(),
                Serdes.ByteArray().serializer(),
                processors);
        return topology;
    }
}
