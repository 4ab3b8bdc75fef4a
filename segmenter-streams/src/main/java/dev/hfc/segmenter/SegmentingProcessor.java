package dev.hfc.segmenter;

import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.event.UserIds;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.KeyPartitions;
import dev.hfc.core.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.time.Duration;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one input record to its customer's state and publishes what changed. One instance per task;
 * the two inputs (subscription events and customers) each get their own, over the same store.
 */
abstract class SegmentingProcessor<V> implements Processor<String, V, byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentingProcessor.class);
    /** How often a task reports the customers it holds waiting for their customer row. */
    static final Duration WAITING_REPORT = Duration.ofSeconds(10);
    /** How often a task checks whether it must re-segment, and slices one when it must. */
    static final Duration RESEGMENT_EVERY = Duration.ofMillis(100);
    /** Customers per re-segmentation slice: one slice commits with the task's next transaction. */
    static final int RESEGMENT_SLICE = 5_000;
    static final String POLICY_KEY = "policy";
    static final String CURSOR_KEY = "resegment-after";

    protected final Segmentation segmentation;
    protected final SegmenterMetrics metrics;
    private final Serializer<SegmentKey> keySerializer;
    private final Serializer<CustomerSegment> valueSerializer;
    private final String segmentsTopic;
    private final int inputPartitions;
    private ProcessorContext<byte[], byte[]> context;
    private CustomerStates store;
    private KeyValueStore<String, Long> waiting;
    private KeyValueStore<String, String> meta;
    private long resegmented;
    private long resegmentPublished;
    private long resegmentStarted;

    SegmentingProcessor(Segmentation segmentation, SegmenterMetrics metrics, Topics topics, int inputPartitions) {
        this.segmentation = segmentation;
        this.inputPartitions = inputPartitions;
        this.metrics = metrics;
        this.keySerializer = topics.customerSegments().keySerde().serializer();
        this.valueSerializer = topics.customerSegments().valueSerde().serializer();
        this.segmentsTopic = topics.customerSegments().name();
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.store = new CustomerStates(context.getStateStore(SegmenterTopology.STATE_STORE));
        this.waiting = context.getStateStore(SegmenterTopology.WAITING_STORE);
        this.meta = context.getStateStore(SegmenterTopology.META_STORE);
    }

    /** Reads the waiting store (both processors of a task share it; the subscriptions one reports it). */
    protected final void reportWaiting() {
        long count = 0;
        long oldest = Long.MAX_VALUE;
        try (KeyValueIterator<String, Long> all = waiting.all()) {
            while (all.hasNext()) {
                count++;
                oldest = Math.min(oldest, all.next().value);
            }
        }
        metrics.waiting(context.taskId().toString(), count, count == 0 ? null : oldest);
    }

    @Override
    public void close() {
        if (context != null) {
            metrics.waitingGone(context.taskId().toString());
        }
    }

    @Override
    public void process(Record<String, V> record) {
        countIn();
        UUID userId = UserIds.parse(record.key()).orElse(null);
        if (userId == null) {
            deadLetter(record, new Rejection(RejectReason.INVALID_USER_ID,
                    "record key '" + record.key() + "' is not a user_id UUID"));
            return;
        }
        int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
        int expected = KeyPartitions.of(userId, inputPartitions);
        if (partition >= 0 && partition != expected) {
            // This task does not hold the user's other records: applying it here would split the customer.
            deadLetter(record, new Rejection(RejectReason.WRONG_PARTITION, "key " + userId + " belongs in partition "
                    + expected + " of " + inputPartitions + " (murmur2 of the lower-case key, as the Java client and Kafka "
                    + "Streams partition) and arrived in partition " + partition
                    + "; librdkafka clients need partitioner=murmur2_random"));
            return;
        }
        String key = userId.toString(); // one state per user, whatever the case of the key's hex digits
        CustomerState before = store.get(key);
        Segmentation.Outcome outcome = apply(before == null ? CustomerState.EMPTY : before, userId, record);
        if (outcome == null) {
            return; // the subclass dead-lettered the record
        }
        metrics.effect(outcome.effect());
        publish(outcome, record.timestamp());
        outcome.rejection().ifPresent(r -> deadLetter(record, r));
        CustomerState after = outcome.state();
        if (after.isEmpty()) {
            if (before != null) {
                store.delete(key);
            }
        } else if (!after.equals(before)) {
            store.put(key, after);
        }
        boolean waitedBefore = isWaiting(before);
        boolean waitsNow = isWaiting(after);
        if (waitsNow && !waitedBefore) {
            waiting.put(key, record.timestamp());
        } else if (waitedBefore && !waitsNow) {
            waiting.delete(key);
        }
    }

    private void publish(Segmentation.Outcome outcome, long timestamp) {
        for (Segmentation.Emission e : outcome.emissions()) {
            byte[] segmentKey = keySerializer.serialize(segmentsTopic, e.key());
            byte[] value = e.isTombstone() ? null : valueSerializer.serialize(segmentsTopic, e.segment());
            RecordHeaders headers = new RecordHeaders();
            if (e.isTombstone()) {
                headers.add(EndReason.HEADER, e.endReason().bytes());
            }
            context.forward(new Record<>(segmentKey, value, timestamp, headers), SegmenterTopology.SEGMENTS_SINK);
            metrics.emitted(e.isTombstone());
        }
    }

    /**
     * One slice of a re-segmentation after a change of policy (or zone): the task's customers, in key order
     * from where the last slice stopped, are recomputed from their state under the current policy, and only
     * what changed is published. The position and, once done, the policy's fingerprint are kept in the
     * (changelogged) meta store, so a restart carries on where it stopped. Slices keep each transaction small.
     */
    protected final void resegmentStep() {
        String fingerprint = segmentation.fingerprint();
        String stored = meta.get(POLICY_KEY);
        String cursor = meta.get(CURSOR_KEY);
        if (fingerprint.equals(stored) && cursor == null) {
            return;
        }
        if (cursor == null) {
            LOG.info("segmenter: task {} was segmented under {}; re-segmenting its customers from their state under {} "
                    + "(no input is read again)", context.taskId(), stored == null ? "an unrecorded policy" : stored, fingerprint);
            resegmentStarted = System.nanoTime();
        }
        long nowMs = now();
        int customers = 0;
        String last = null;
        try (KeyValueIterator<String, CustomerState> it = store.from(cursor)) {
            while (it.hasNext() && customers < RESEGMENT_SLICE) {
                var kv = it.next();
                if (kv.key.equals(cursor)) {
                    continue; // done in the last slice
                }
                UUID userId = UUID.fromString(kv.key);
                Segmentation.Outcome outcome = segmentation.resegment(kv.value, userId, nowMs);
                publish(outcome, nowMs);
                resegmentPublished += outcome.emissions().size();
                if (!outcome.state().equals(kv.value)) {
                    store.put(kv.key, outcome.state());
                }
                last = kv.key;
                customers++;
            }
            resegmented += customers;
            if (it.hasNext()) {
                meta.put(CURSOR_KEY, last);
                return;
            }
        }
        meta.delete(CURSOR_KEY);
        meta.put(POLICY_KEY, fingerprint);
        LOG.info("segmenter: task {} re-segmented {} customers under {} in {} ms: {} changes published",
                context.taskId(), resegmented, fingerprint, resegmentStarted == 0 ? 0 : (System.nanoTime() - resegmentStarted) / 1_000_000,
                resegmentPublished);
        metrics.resegmented(resegmented);
        resegmented = 0;
        resegmentPublished = 0;
        resegmentStarted = 0;
    }

    /** A task with no state yet has nothing segmented under another policy: it records the current one. */
    protected final void recordPolicyIfNew() {
        if (meta.get(POLICY_KEY) == null && meta.get(CURSOR_KEY) == null && store.isEmpty()) {
            meta.put(POLICY_KEY, segmentation.fingerprint());
        }
    }

    /** Subscription rows and no customer row: nothing can be segmented until the customer arrives. */
    private static boolean isWaiting(CustomerState state) {
        return state != null && state.customer() == null && !state.weeks().isEmpty();
    }

    protected abstract void countIn();

    /** Applies the record, or dead-letters it and returns null. */
    protected abstract Segmentation.Outcome apply(CustomerState state, UUID userId, Record<String, V> record);

    /** The value as bytes for the dead-letter record (the value was decoded already, so re-encode it). */
    protected abstract byte[] valueBytes(V value);

    protected final void deadLetter(Record<String, V> record, Rejection rejection) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        String topic = meta == null ? "unknown" : meta.topic();
        int partition = meta == null ? -1 : meta.partition();
        long offset = meta == null ? -1 : meta.offset();
        LOG.warn("segmenter: {}-{}@{} (key {}) sent to the DLQ: {}", topic, partition, offset, record.key(), rejection);
        metrics.deadLettered(rejection.reason());
        byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
        byte[] value = record.value() == null ? null : valueBytes(record.value());
        context.forward(new Record<>(key, value, record.timestamp(),
                DeadLetters.headers(SegmenterTopology.STAGE, rejection, topic, partition, offset)), SegmenterTopology.DLQ_SINK);
    }

    protected final long now() {
        return context.currentSystemTimeMs();
    }

    /** {@code hfc.subscription-events}. */
    static final class Subscriptions extends SegmentingProcessor<SubscriptionEvent> {
        Subscriptions(Segmentation segmentation, SegmenterMetrics metrics, Topics topics, int inputPartitions) {
            super(segmentation, metrics, topics, inputPartitions);
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            super.init(context);
            context.schedule(WAITING_REPORT, PunctuationType.WALL_CLOCK_TIME, now -> reportWaiting());
            // The subscriptions processor of each task owns the task's re-segmentation after a policy change. A
            // task without state records its policy now, before its first record; one with state under another
            // policy is re-segmented in slices by the punctuator (which may publish; init may not).
            recordPolicyIfNew();
            context.schedule(RESEGMENT_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> resegmentStep());
        }

        @Override
        protected void countIn() {
            metrics.subscriptionEventIn();
        }

        @Override
        protected Segmentation.Outcome apply(CustomerState state, UUID userId, Record<String, SubscriptionEvent> record) {
            SubscriptionEvent event = record.value();
            if (event == null) {
                deadLetter(record, new Rejection(RejectReason.MISSING_FIELD,
                        "subscription event with no value (deletes are op=delete events, not tombstones)"));
                return null;
            }
            if (!event.userId().equals(userId)) {
                deadLetter(record, new Rejection(RejectReason.KEY_MISMATCH,
                        "key " + userId + " differs from the event's user_id " + event.userId()));
                return null;
            }
            return segmentation.onSubscription(state, event, record.timestamp(), now());
        }

        @Override
        protected byte[] valueBytes(SubscriptionEvent value) {
            return EventCodecs.SUBSCRIPTION_EVENT.encode(value);
        }
    }

    /** {@code hfc.customers}: upserts, and tombstones for deleted customers. */
    static final class Customers extends SegmentingProcessor<CustomerEvent> {
        Customers(Segmentation segmentation, SegmenterMetrics metrics, Topics topics, int inputPartitions) {
            super(segmentation, metrics, topics, inputPartitions);
        }

        @Override
        protected void countIn() {
            metrics.customerIn();
        }

        @Override
        protected Segmentation.Outcome apply(CustomerState state, UUID userId, Record<String, CustomerEvent> record) {
            CustomerEvent event = record.value();
            if (event != null && !event.userId().equals(userId)) {
                deadLetter(record, new Rejection(RejectReason.KEY_MISMATCH,
                        "key " + userId + " differs from the customer's user_id " + event.userId()));
                return null;
            }
            return segmentation.onCustomer(state, userId, event, record.timestamp(), now());
        }

        @Override
        protected byte[] valueBytes(CustomerEvent value) {
            return EventCodecs.CUSTOMER.encode(value);
        }
    }
}
