package dev.hfc.segmenter;

import java.time.Duration;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The customers a task holds waiting for their customer row: they have subscription rows and no customer row, so
 * nothing can be segmented for them until it arrives. Both segmenting processors of a task keep the waiting store
 * up to date as they apply records ({@link #track}); the subscriptions processor reports its count and the record
 * time of the oldest to the metrics every {@link #EVERY} of wall-clock time ({@link #report}). One instance per
 * processor and task, over the task's waiting store.
 */
final class WaitingReport {

    /** How often a task reports the customers it holds waiting for their customer row. */
    static final Duration EVERY = Duration.ofSeconds(10);

    private final KeyValueStore<String, Long> store;
    private final SegmenterMetrics metrics;
    private final ProcessorContext<?, ?> context;

    WaitingReport(KeyValueStore<String, Long> store, SegmenterMetrics metrics, ProcessorContext<?, ?> context) {
        this.store = store;
        this.metrics = metrics;
        this.context = context;
    }

    /**
     * A record took the customer {@code key} from {@code before} to {@code after} (null: no state): a customer
     * that starts waiting is stored with the record's timestamp, one that stops waiting is removed.
     */
    void track(String key, CustomerState before, CustomerState after, long timestamp) {
        boolean waitedBefore = isWaiting(before);
        boolean waitsNow = isWaiting(after);
        if (waitsNow && !waitedBefore) {
            store.put(key, timestamp);
        } else if (waitedBefore && !waitsNow) {
            store.delete(key);
        }
    }

    /** Reads the waiting store (both processors of a task share it; the subscriptions one reports it). */
    void report() {
        long count = 0;
        long oldest = Long.MAX_VALUE;
        try (KeyValueIterator<String, Long> all = store.all()) {
            while (all.hasNext()) {
                count++;
                oldest = Math.min(oldest, all.next().value);
            }
        }
        metrics.waiting(context.taskId().toString(), count, count == 0 ? null : oldest);
    }

    /** Subscription rows and no customer row: nothing can be segmented until the customer arrives. */
    private static boolean isWaiting(CustomerState state) {
        return state != null && state.customer() == null && !state.weeks().isEmpty();
    }
}
