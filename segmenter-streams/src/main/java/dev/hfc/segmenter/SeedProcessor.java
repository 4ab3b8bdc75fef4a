package dev.hfc.segmenter;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.DecodeResult;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SegmentKey;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The published-targets seed of a rebuild ({@link History}): each record is a record of
 * {@code customer-segments} as it stood when the rebuild began, moved to its customer's partition. A
 * rebuilding task takes it as what was published for the customer (its {@code emitted} targets), so that when
 * the rebuild ends it publishes only what differs, tombstones included for targets that are no more. The
 * record with key {@link History#SEED_END_KEY} closes the partition's seed. A task that is not rebuilding has no
 * seed to read and ignores one.
 */
final class SeedProcessor implements Processor<String, byte[], byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(SeedProcessor.class);

    private final SegmenterMetrics metrics;
    private ProcessorContext<byte[], byte[]> context;
    private CustomerStates store;
    private TaskMeta meta;
    private DeadLetterForwarder deadLetters;

    SeedProcessor(SegmenterMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.deadLetters = new DeadLetterForwarder(context, metrics, LOG, "seed record ");
        this.store = new CustomerStates(context.getStateStore(SegmenterTopology.STATE_STORE));
        this.meta = new TaskMeta(context.<KeyValueStore<String, String>>getStateStore(SegmenterTopology.META_STORE));
    }

    @Override
    public void process(Record<String, byte[]> record) {
        if (!meta.rebuilding()) {
            return;
        }
        RecordMetadata where = context.recordMetadata().orElseThrow();
        if (History.SEED_END_KEY.equals(record.key())) {
            meta.put(TaskMeta.SEED_DONE, "true");
            return;
        }
        DecodeResult<SegmentKey> key = record.key() == null ? SegmentKey.decode(null) : SegmentKey.parse(record.key());
        DecodeResult<CustomerSegment> value =
                record.value() == null ? null : EventCodecs.CUSTOMER_SEGMENT.decode(record.value());
        Rejection refused = key instanceof DecodeResult.Invalid<SegmentKey> k
                ? k.rejection()
                : value instanceof DecodeResult.Invalid<CustomerSegment> v ? v.rejection() : null;
        if (refused != null) {
            // Written into customer-segments by another producer: not ours to take as published.
            deadLetters.forward(record, where, Function.identity(), refused);
        } else {
            SegmentKey k = key.orThrow();
            String user = k.userId().toString();
            CustomerState before = store.get(user);
            CustomerState state = before == null ? CustomerState.EMPTY : before;
            TreeMap<dev.hfc.core.week.Week, CustomerState.Emitted> emitted = new TreeMap<>(state.emitted());
            if (value == null) {
                emitted.remove(k.week());
            } else {
                CustomerSegment s = value.orThrow();
                emitted.put(
                        k.week(),
                        new CustomerState.Emitted(s.segment(), s.pauseWeeks(), s.subscriptionId(), s.email()));
            }
            CustomerState after = state.withEmitted(emitted);
            if (after.isEmpty()) {
                if (before != null) {
                    store.delete(user);
                }
            } else if (!after.equals(before)) {
                store.put(user, after);
            }
        }
    }
}
