package dev.hfc.sink;

import dev.hfc.sink.copy.BatchStore;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far a sink consumer is behind the end of its partitions, for everyone who asks: its loop (a consumer that
 * has read everything writes at once instead of waiting for the linger), the lag metric, and readers of the
 * table, through the consumer's row in {@code hfc_sink_progress}. The row is published at most once per
 * {@link #EVERY} and removed when the consumer stops cleanly; best effort, a failure is logged at DEBUG and
 * never stops the consumer.
 */
final class SinkProgress {

    private static final Logger LOG = LoggerFactory.getLogger(SinkProgress.class);
    /** How often a consumer publishes its progress to hfc_sink_progress. */
    static final Duration EVERY = Duration.ofSeconds(1);

    private final int index;
    private final Consumer<byte[], byte[]> consumer;
    private final BatchStore store;
    private final SinkMetrics metrics;
    /** This consumer in hfc_sink_progress: process and index, unique among the group's members. */
    private final String member;

    private long lastProgress;

    SinkProgress(int index, Consumer<byte[], byte[]> consumer, BatchStore store, SinkMetrics metrics) {
        this.index = index;
        this.consumer = consumer;
        this.store = store;
        this.metrics = metrics;
        this.member = java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "#" + index;
    }

    /** True when the last fetch of every owned partition left nothing unread (read_committed: up to the stable offset). */
    boolean readEverything() {
        Set<TopicPartition> owned = consumer.assignment();
        if (owned.isEmpty()) {
            return false;
        }
        for (TopicPartition tp : owned) {
            java.util.OptionalLong lag = consumer.currentLag(tp);
            if (lag.isEmpty() || lag.getAsLong() > 0) {
                return false;
            }
        }
        return true;
    }

    /** Updates the lag metric, and the progress row when it is due; {@code unwritten} records are read but not written. */
    void update(int unwritten) {
        long lag = 0;
        boolean known = true;
        for (TopicPartition tp : consumer.assignment()) {
            java.util.OptionalLong l = consumer.currentLag(tp);
            known &= l.isPresent();
            lag += l.orElse(0);
        }
        metrics.lag(index, lag);
        if (System.nanoTime() - lastProgress >= EVERY.toNanos()) {
            lastProgress = System.nanoTime();
            try {
                // Records read but still in the batch are not in the table either.
                store.reportProgress(member, known ? lag + unwritten : null);
            } catch (SQLException e) {
                LOG.debug("sink: progress not published ({})", e.getMessage());
            }
        }
    }

    /** Removes this consumer's progress row (a clean stop: its partitions go to the others). */
    void leave() {
        try {
            store.leave(member);
        } catch (SQLException e) {
            LOG.debug("sink: progress row not removed ({})", e.getMessage());
        }
    }
}
