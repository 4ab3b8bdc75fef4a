package dev.hfc.segmenter;

import java.time.Duration;
import java.util.UUID;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task's re-segmentation, after a change of policy (or zone) or at the end of a rebuild: its customers are
 * recomputed from their state under the current policy, a slice at a time, and only what changed is published.
 * The {@link SubscriptionsProcessor} creates one each time it is initialised, over its stores, and runs
 * {@link #step} every {@link #EVERY} of wall-clock time. The step also ends a rebuild once the task has read all
 * it needs, and a task with no state yet records the current policy before its first record
 * ({@link #recordPolicyIfNew}). What a re-segmentation has done so far is counted in a {@link Progress} that the
 * processor keeps for as long as it lives.
 */
final class Resegmenter {

    private static final Logger LOG = LoggerFactory.getLogger(Resegmenter.class);
    /** How often a task checks whether it must re-segment, and slices one when it must. */
    static final Duration EVERY = Duration.ofMillis(100);
    /** Customers per re-segmentation slice: one slice commits with the task's next transaction. */
    static final int SLICE = 5_000;

    /** Publishes an outcome's emissions to {@code customer-segments} with a timestamp. */
    @FunctionalInterface
    interface Publisher {
        void publish(Segmentation.Outcome outcome, long timestamp);
    }

    /**
     * A re-segmentation's counts since its first slice, for the line and the metric that close it: the customers
     * done, the changes published, and when it started ({@link System#nanoTime()}; 0 when none runs).
     */
    static final class Progress {
        private long customers;
        private long published;
        private long started;
    }

    private final Segmentation segmentation;
    private final SegmenterMetrics metrics;
    private final History history;
    private final ProcessorContext<?, ?> context;
    private final CustomerStates store;
    private final TaskMeta meta;
    private final Publisher publisher;
    private final Progress progress;

    Resegmenter(
            Segmentation segmentation,
            SegmenterMetrics metrics,
            History history,
            ProcessorContext<?, ?> context,
            CustomerStates store,
            TaskMeta meta,
            Publisher publisher,
            Progress progress) {
        this.segmentation = segmentation;
        this.metrics = metrics;
        this.history = history;
        this.context = context;
        this.store = store;
        this.meta = meta;
        this.publisher = publisher;
        this.progress = progress;
    }

    /** A task with no state yet has nothing segmented under another policy: it records the current one. */
    void recordPolicyIfNew() {
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
    void step() {
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
        if (progress.started == 0) {
            progress.started = System.nanoTime();
        }
        long nowMs = context.currentSystemTimeMs();
        int customers = 0;
        String last = null;
        try (KeyValueIterator<String, CustomerState> it = store.from(cursor)) {
            while (it.hasNext() && customers < SLICE) {
                var kv = it.next();
                if (kv.key.equals(cursor)) {
                    continue; // done in the last slice
                }
                Segmentation.Outcome outcome = segmentation.resegment(kv.value, UUID.fromString(kv.key), nowMs);
                publisher.publish(outcome, nowMs);
                progress.published += outcome.emissions().size();
                if (!outcome.state().equals(kv.value)) {
                    store.put(kv.key, outcome.state());
                }
                last = kv.key;
                customers++;
            }
            progress.customers += customers;
            if (it.hasNext()) {
                meta.resegmentAt(fingerprint, last);
                return;
            }
        }
        meta.resegmentDone(fingerprint);
        LOG.info(
                "segmenter: task {} re-segmented {} customers under {} in {} ms: {} changes published",
                context.taskId(),
                progress.customers,
                fingerprint,
                (System.nanoTime() - progress.started) / 1_000_000,
                progress.published);
        metrics.resegmented(progress.customers);
        progress.customers = 0;
        progress.published = 0;
        progress.started = 0;
    }
}
