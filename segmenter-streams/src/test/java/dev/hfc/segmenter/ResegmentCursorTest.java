package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.event.SubscriptionInput;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * A re-segmentation belongs to the policy it was started under. P1 → P2 interrupted after one slice → back
 * to P1 must bring every customer back to P1, those of the interrupted slice included; the task then
 * records P1. The processor restarts over the same stores, as after a process restart (TopologyTestDriver
 * wipes its state directory when closed, so it cannot restart a task).
 */
class ResegmentCursorTest {

    private static final Topics TOPICS = Topics.withDefaultPrefix();
    private static final Week W = Week.parse("2026-W49");
    private static final long T0 = W.minus(1)
            .monday()
            .plusDays(1)
            .atStartOfDay()
            .toInstant(ZoneOffset.UTC)
            .toEpochMilli();
    private static final SegmentPolicy P1 = SegmentPolicy.DEFAULT; // 2 paused weeks: medium
    private static final SegmentPolicy P2 = new SegmentPolicy(4, 3, 4); // 2 paused weeks: low
    private static final int CUSTOMERS = Resegmenter.SLICE + 1_500;

    private final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
    private final SegmenterMetrics metrics = new SegmenterMetrics(new SimpleMeterRegistry());
    private final Map<SegmentKey, CustomerSegment> published = new HashMap<>();
    private KeyValueStore<String, String> meta;

    @Test
    void aPolicyChangeInterruptedAndRolledBackLeavesNoCustomerOnTheInterruptedPolicy() {
        addStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(SegmenterTopology.STATE_STORE),
                        Serdes.String(),
                        Serdes.ByteArray())
                .withLoggingDisabled()
                .build());
        addStore(Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(SegmenterTopology.WAITING_STORE), Serdes.String(), Serdes.Long())
                .withLoggingDisabled()
                .build());
        meta = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore(SegmenterTopology.META_STORE), Serdes.String(), Serdes.String())
                .withLoggingDisabled()
                .build();
        addStore(meta);
        context.setCurrentSystemTimeMs(T0);

        SubscriptionsProcessor underP1 = subscriptions(P1);
        CustomersProcessor customers = new CustomersProcessor(new Segmentation(P1, ZoneOffset.UTC), metrics, config());
        customers.init(context);
        for (int i = 0; i < CUSTOMERS; i++) {
            UUID user = new UUID(0x5eed, i);
            context.setRecordMetadata(TOPICS.customers().name(), 0, i);
            customers.process(
                    new Record<>(user.toString(), new CustomerEvent(user, "c" + i + "@example.com", "active"), T0));
            for (int w = 0; w < 2; w++) {
                context.setRecordMetadata(TOPICS.subscriptionEvents().name(), 0, 2L * i + w);
                underP1.process(new Record<>(
                        user.toString(),
                        (SubscriptionInput) SubscriptionEvent.upsert(
                                user, new UUID(0xab, 2L * i + w), W.plus(w), SubscriptionStatus.PAUSED, T0),
                        T0));
            }
        }
        fold();
        assertThat(segmentsOfW()).containsOnlyKeys(Segment.MEDIUM);

        subscriptions(P2); // restarted under P2: one slice, then stopped
        punctuateOnce();
        fold();
        assertThat(segmentsOfW()).containsEntry(Segment.LOW, (long) Resegmenter.SLICE);

        subscriptions(P1); // rolled back
        for (int i = 0; i < 10 && meta.get(TaskMeta.RESEGMENT) != null; i++) {
            punctuateOnce();
        }
        fold();
        assertThat(segmentsOfW()).as("every customer on P1 again").containsOnly(Map.entry(Segment.MEDIUM, (long)
                CUSTOMERS));
        assertThat(meta.get(TaskMeta.POLICY)).isEqualTo(new Segmentation(P1, ZoneOffset.UTC).fingerprint());
        assertThat(meta.get(TaskMeta.RESEGMENT)).isNull();
    }

    private SegmenterConfig config() {
        return new SegmenterConfig(TOPICS, P1, ZoneOffset.UTC, 1);
    }

    private SubscriptionsProcessor subscriptions(SegmentPolicy policy) {
        context.resetForwards();
        SubscriptionsProcessor p =
                new SubscriptionsProcessor(new Segmentation(policy, ZoneOffset.UTC), metrics, config());
        p.init(context);
        return p;
    }

    /** The re-segmentation punctuator the last processor scheduled, run once. */
    private void punctuateOnce() {
        List<MockProcessorContext.CapturedPunctuator> punctuators = context.scheduledPunctuators();
        punctuators.stream()
                .filter(p -> p.getInterval().equals(Resegmenter.EVERY))
                .reduce((a, b) -> b)
                .orElseThrow()
                .getPunctuator()
                .punctuate(T0);
    }

    private void fold() {
        for (var f : context.forwarded()) {
            SegmentKey key = SegmentKey.decode(f.record().key()).orThrow();
            if (f.record().value() == null) {
                published.remove(key);
            } else {
                published.put(
                        key,
                        EventCodecs.CUSTOMER_SEGMENT.decode(f.record().value()).orThrow());
            }
        }
        context.resetForwards();
    }

    private Map<Segment, Long> segmentsOfW() {
        Map<Segment, Long> counts = new HashMap<>();
        published.forEach((k, v) -> {
            if (k.week().equals(W)) {
                counts.merge(v.segment(), 1L, Long::sum);
            }
        });
        return counts;
    }

    @SuppressWarnings("deprecation")
    private void addStore(org.apache.kafka.streams.processor.StateStore store) {
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
    }
}
