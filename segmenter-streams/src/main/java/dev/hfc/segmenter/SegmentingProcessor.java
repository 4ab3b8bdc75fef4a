package dev.hfc.segmenter;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.event.UserIds;
import dev.hfc.core.topic.KeyPartitions;
import dev.hfc.core.topic.Topics;
import java.util.UUID;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one input record to its customer's state and publishes what changed. One instance per task and
 * input ({@link SubscriptionsProcessor}, {@link CustomersProcessor}), over the same stores. A task that is
 * rebuilding ({@link TaskMeta#rebuilding()}) applies every record to its state but publishes nothing until
 * it has read a whole snapshot of all customers: a customer it knows only in part is never published. A record
 * it refuses goes to the DLQ through a {@link DeadLetterForwarder}; the customers it leaves waiting for their
 * customer row are kept in the task's {@link WaitingReport}.
 */
abstract class SegmentingProcessor<V> implements Processor<String, V, byte[], byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentingProcessor.class);

    protected final Segmentation segmentation;
    protected final SegmenterMetrics metrics;
    protected final History history;
    private final Serializer<SegmentKey> keySerializer;
    private final Serializer<CustomerSegment> valueSerializer;
    private final String segmentsTopic;
    private final int inputPartitions;
    protected ProcessorContext<byte[], byte[]> context;
    protected CustomerStates store;
    protected TaskMeta meta;
    protected WaitingReport waiting;
    private DeadLetterForwarder deadLetters;

    SegmentingProcessor(Segmentation segmentation, SegmenterMetrics metrics, SegmenterConfig config) {
        this.segmentation = segmentation;
        this.inputPartitions = config.inputPartitions();
        this.history = config.history();
        this.metrics = metrics;
        Topics topics = config.topics();
        this.keySerializer = topics.customerSegments().keySerde().serializer();
        this.valueSerializer = topics.customerSegments().valueSerde().serializer();
        this.segmentsTopic = topics.customerSegments().name();
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.deadLetters = new DeadLetterForwarder(context, metrics, LOG, "");
        this.store = new CustomerStates(context.getStateStore(SegmenterTopology.STATE_STORE));
        this.waiting = new WaitingReport(context.getStateStore(SegmenterTopology.WAITING_STORE), metrics, context);
        this.meta = new TaskMeta(context.getStateStore(SegmenterTopology.META_STORE));
        decideHistory();
    }

    /**
     * Once per task, before its first record: a task with no state whose input partition lost its beginning
     * to retention cannot know its customers whole from what is left, so it rebuilds (holds its output) until
     * a snapshot of all customers has passed. Any other task's history is whole.
     */
    private void decideHistory() {
        int partition = context.taskId().partition();
        String decided = meta.get(TaskMeta.HISTORY);
        if (decided == null) {
            decided = history.partial(partition) && store.isEmpty() ? TaskMeta.REBUILDING : TaskMeta.WHOLE;
            meta.put(TaskMeta.HISTORY, decided);
        }
        boolean rebuilding = TaskMeta.REBUILDING.equals(decided);
        if (rebuilding && this instanceof SubscriptionsProcessor) {
            LOG.warn(
                    "segmenter: task {} has no state and partition {} of the subscription events lost its beginning to "
                            + "retention: it keeps every record in its state but publishes nothing until it has read a snapshot of "
                            + "all customers (run 'hfc snapshot'; README, Rebuild). Metric hfc_segmenter_tasks_rebuilding",
                    context.taskId(),
                    partition);
        }
        metrics.rebuilding(context.taskId().toString(), rebuilding);
    }

    @Override
    public void close() {
        if (context != null) {
            metrics.waitingGone(context.taskId().toString());
            metrics.rebuildingGone(context.taskId().toString());
        }
    }

    @Override
    public void process(Record<String, V> record) {
        countIn();
        UUID userId = UserIds.parse(record.key()).orElse(null);
        if (userId == null) {
            deadLetter(
                    record,
                    new Rejection(
                            RejectReason.INVALID_USER_ID, "record key '" + record.key() + "' is not a user_id UUID"));
            return;
        }
        int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
        int expected = KeyPartitions.of(userId, inputPartitions);
        if (partition >= 0 && partition != expected) {
            // This task does not hold the user's other records: applying it here would split the customer.
            deadLetter(
                    record,
                    new Rejection(
                            RejectReason.WRONG_PARTITION,
                            "key " + userId + " belongs in partition "
                                    + expected + " of " + inputPartitions
                                    + " (murmur2 of the lower-case key, as the Java client and Kafka "
                                    + "Streams partition) and arrived in partition " + partition
                                    + "; librdkafka clients need partitioner=murmur2_random"));
            return;
        }
        String key = userId.toString(); // one state per user, whatever the case of the key's hex digits
        CustomerState before = store.get(key);
        CustomerState known = before == null ? CustomerState.EMPTY : before;
        Segmentation.Outcome outcome = apply(known, userId, record);
        if (outcome == null) {
            return; // the subclass dead-lettered the record
        }
        metrics.effect(outcome.effect());
        CustomerState after = outcome.state();
        if (meta.rebuilding()) {
            after = after.withEmittedOf(known); // nothing is published while rebuilding
        } else {
            publish(outcome, record.timestamp());
        }
        outcome.rejection().ifPresent(r -> deadLetter(record, r));
        if (after.isEmpty()) {
            if (before != null) {
                store.delete(key);
            }
        } else if (!after.equals(before)) {
            store.put(key, after);
        }
        waiting.track(key, before, after, record.timestamp());
    }

    protected final void publish(Segmentation.Outcome outcome, long timestamp) {
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

    protected abstract void countIn();

    /** Applies the record, or dead-letters it and returns null. */
    protected abstract Segmentation.Outcome apply(CustomerState state, UUID userId, Record<String, V> record);

    /** The value as bytes for the dead-letter record (the value was decoded already, so re-encode it). */
    protected abstract byte[] valueBytes(V value);

    protected final void deadLetter(Record<String, V> record, Rejection rejection) {
        deadLetters.forward(record, context.recordMetadata().orElse(null), this::valueBytes, rejection);
    }

    protected final long now() {
        return context.currentSystemTimeMs();
    }
}
