package dev.hfc.segmenter;

import dev.hfc.core.event.CustomerSnapshot;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.event.SubscriptionInput;
import java.time.Duration;
import java.util.UUID;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hfc.subscription-events}: a week's change or a customer snapshot is applied to the customer; the
 * snapshot markers move a rebuilding task towards its end. This processor also owns its task's
 * re-segmentation (after a change of policy, or at the end of a rebuild) and the waiting report.
 */
final class SubscriptionsProcessor extends SegmentingProcessor<SubscriptionInput> {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionsProcessor.class);
    /** How often a task reports the customers it holds waiting for their customer row. */
    static final Duration WAITING_REPORT = Duration.ofSeconds(10);
    /** How often a task checks whether it must re-segment, and slices one when it must. */
    static final Duration RESEGMENT_EVERY = Duration.ofMillis(100);
    /** Customers per re-segmentation slice: one slice commits with the task's next transaction. */
    static final int RESEGMENT_SLICE = 5_000;

    private long resegmented;
    private long resegmentPublished;
    private long resegmentStarted;

    SubscriptionsProcessor(Segmentation segmentation, SegmenterMetrics metrics, SegmenterConfig config) {
        super(segmentation, metrics, config);
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        super.init(context);
        context.schedule(WAITING_REPORT, PunctuationType.WALL_CLOCK_TIME, now -> reportWaiting());
        // A task without state records its policy now, before its first record; one with state under another
        // policy is re-segmented in slices by the punctuator (which may publish; init may not).
        recordPolicyIfNew();
        context.schedule(RESEGMENT_EVERY, PunctuationType.WALL_CLOCK_TIME, now -> resegmentStep());
    }

    @Override
    public void process(Record<String, SubscriptionInput> record) {
        if (record.value() instanceof SnapshotMarker marker) {
            countIn();
            onMarker(marker);
            return;
        }
        super.process(record);
    }

    @Override
    protected void countIn() {
        metrics.subscriptionEventIn();
    }

    @Override
    protected Segmentation.Outcome apply(CustomerState state, UUID userId, Record<String, SubscriptionInput> record) {
        SubscriptionInput input = record.value();
        if (input == null) {
            deadLetter(
                    record,
                    new Rejection(
                            RejectReason.MISSING_FIELD,
                            "subscription event with no value (deletes are op=delete events, not tombstones)"));
            return null;
        }
        UUID owner = input instanceof SubscriptionEvent e ? e.userId() : ((CustomerSnapshot) input).userId();
        if (!owner.equals(userId)) {
            deadLetter(
                    record,
                    new Rejection(
                            RejectReason.KEY_MISMATCH, "key " + userId + " differs from the event's user_id " + owner));
            return null;
        }
        return input instanceof SubscriptionEvent e
                ? segmentation.onSubscription(state, e, record.timestamp(), now())
                : segmentation.onSnapshot(state, (CustomerSnapshot) input, record.timestamp(), now());
    }

    @Override
    protected byte[] valueBytes(SubscriptionInput value) {
        return EventCodecs.SUBSCRIPTION_INPUT.encode(value);
    }

    /**
     * A rebuilding task that reads the beginning and then the end of one snapshot of all customers has every
     * customer whole: each that had subscription rows then has its snapshot in between, and every other one's
     * rows were all created after its snapshot was read, so their changes followed. Other tasks ignore markers.
     */
    private void onMarker(SnapshotMarker marker) {
        if (!meta.rebuilding()) {
            return;
        }
        if (marker.phase() == SnapshotMarker.Phase.BEGIN) {
            meta.put(TaskMeta.REBUILD_BEGIN, marker.snapshotId());
            LOG.info(
                    "segmenter: task {} reads snapshot {} of all customers from its beginning",
                    context.taskId(),
                    marker.snapshotId());
        } else if (marker.snapshotId().equals(meta.get(TaskMeta.REBUILD_BEGIN))) {
            meta.put(TaskMeta.REBUILD_READY, marker.snapshotId());
            LOG.info("segmenter: task {} read snapshot {} whole", context.taskId(), marker.snapshotId());
        } else {
            LOG.warn(
                    "segmenter: task {} read the end of snapshot {} but not its beginning (it started reading after it): "
                            + "it keeps waiting for a snapshot it can read whole (run 'hfc snapshot')",
                    context.taskId(),
                    marker.snapshotId());
        }
    }

    /** A task with no state yet has nothing segmented under another policy: it records the current one. */
    private void recordPolicyIfNew() {
        if (meta.get(TaskMeta.POLICY) == null && meta.resegment() == null && store.isEmpty()) {
            meta.put(TaskMeta.POLICY, segmentation.fingerprint());
        }
    }

    /**
     * Ends a rebuild once the task has read a snapshot whole, the seed of what was published, and its customers
     * as far as they went at start: from then on
     * its customers are whole, and a re-segmentation of all of them publishes what differs from the seed.
     */
    private boolean finishRebuild() {
        String ready = meta.get(TaskMeta.REBUILD_READY);
        int partition = context.taskId().partition();
        boolean seeded = history.seedTopic() == null || meta.get(TaskMeta.SEED_DONE) != null;
        // The customers topic is not aligned with the snapshot: its rows up to where it ended at start are read first,
        // or customers not yet read would be withdrawn as deleted and published again a moment later.
        if (ready == null || !seeded || meta.customersOffset() < history.customersEnd(partition) - 1) {
            return false;
        }
        meta.put(TaskMeta.HISTORY, TaskMeta.WHOLE);
        meta.delete(TaskMeta.REBUILD_BEGIN);
        meta.delete(TaskMeta.REBUILD_READY);
        meta.delete(TaskMeta.SEED_DONE);
        meta.delete(TaskMeta.CUSTOMERS_OFFSET);
        meta.resegmentAt(segmentation.fingerprint(), null);
        metrics.rebuilding(context.taskId().toString(), false);
        LOG.info(
                "segmenter: task {} rebuilt from snapshot {}; publishing what differs from what was published",
                context.taskId(),
                ready);
        return true;
    }

    /**
     * One slice of a re-segmentation, after a change of policy (or zone) or at the end of a rebuild: the task's
     * customers, in key order from where the last slice stopped, are recomputed from their state under the
     * current policy, and only what changed is published. The position belongs to the policy it was started
     * under: a re-segmentation interrupted and resumed under another policy starts again from the first
     * customer, so none is left on the policy of the interrupted one. Slices keep each transaction small.
     */
    void resegmentStep() {
        if (meta.rebuilding() && !finishRebuild()) {
            return;
        }
        String fingerprint = segmentation.fingerprint();
        TaskMeta.Resegment running = meta.resegment();
        String cursor;
        if (running == null) {
            String stored = meta.get(TaskMeta.POLICY);
            if (fingerprint.equals(stored)) {
                return;
            }
            LOG.info(
                    "segmenter: task {} was segmented under {}; re-segmenting its customers from their state under {} "
                            + "(no input is read again)",
                    context.taskId(),
                    stored == null ? "an unrecorded policy" : stored,
                    fingerprint);
            cursor = null;
        } else if (!fingerprint.equals(running.fingerprint())) {
            LOG.info(
                    "segmenter: task {} was re-segmenting under {}, interrupted after customer {}; starting again from the "
                            + "first customer under {}",
                    context.taskId(),
                    running.fingerprint() == null ? "an unrecorded policy" : running.fingerprint(),
                    running.after(),
                    fingerprint);
            cursor = null;
        } else {
            cursor = running.after();
        }
        if (resegmentStarted == 0) {
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
                Segmentation.Outcome outcome = segmentation.resegment(kv.value, UUID.fromString(kv.key), nowMs);
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
                meta.resegmentAt(fingerprint, last);
                return;
            }
        }
        meta.resegmentDone(fingerprint);
        LOG.info(
                "segmenter: task {} re-segmented {} customers under {} in {} ms: {} changes published",
                context.taskId(),
                resegmented,
                fingerprint,
                (System.nanoTime() - resegmentStarted) / 1_000_000,
                resegmentPublished);
        metrics.resegmented(resegmented);
        resegmented = 0;
        resegmentPublished = 0;
        resegmentStarted = 0;
    }
}
