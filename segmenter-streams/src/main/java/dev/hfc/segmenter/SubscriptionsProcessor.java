package dev.hfc.segmenter;

import dev.hfc.core.event.CustomerSnapshot;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SnapshotMarker;
import dev.hfc.core.event.SubscriptionEvent;
import dev.hfc.core.event.SubscriptionInput;
import java.util.UUID;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hfc.subscription-events}: a week's change or a customer snapshot is applied to the customer; the
 * snapshot markers move a rebuilding task towards its end. This processor also schedules its task's
 * re-segmentation ({@link Resegmenter}: after a change of policy, or at the end of a rebuild) and the waiting
 * report ({@link WaitingReport}).
 */
final class SubscriptionsProcessor extends SegmentingProcessor<SubscriptionInput> {

    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionsProcessor.class);

    /** Kept for as long as the processor lives, across the initialisations Kafka Streams may make of it. */
    private final Resegmenter.Progress resegmentProgress = new Resegmenter.Progress();

    private Resegmenter resegmenter;

    SubscriptionsProcessor(Segmentation segmentation, SegmenterMetrics metrics, SegmenterConfig config) {
        super(segmentation, metrics, config);
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        super.init(context);
        // The punctuators read the fields when they run, so they use what the last init made.
        context.schedule(WaitingReport.EVERY, PunctuationType.WALL_CLOCK_TIME, now -> waiting.report());
        resegmenter =
                new Resegmenter(segmentation, metrics, history, context, store, meta, this::publish, resegmentProgress);
        // A task without state records its policy now, before its first record; one with state under another
        // policy is re-segmented in slices by the punctuator (which may publish; init may not).
        resegmenter.recordPolicyIfNew();
        context.schedule(Resegmenter.EVERY, PunctuationType.WALL_CLOCK_TIME, now -> resegmenter.step());
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
}
