package dev.hfc.sink;

import dev.hfc.core.retry.Backoff;
import dev.hfc.schema.Database;
import dev.hfc.sink.batch.DeadLetterSink;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.copy.BatchStore;
import dev.hfc.sink.copy.CopyBatchWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A sink consumer's writes and offset reads, retried with backoff while the database is unreachable, within a
 * bound the caller gives: an outage pauses the consumer instead of ending it, and {@link #degraded()} tells the
 * health check so meanwhile. Only what may succeed when run again is retried: a lost connection (the health check
 * is told), or a transaction that lost a conflict (a deadlock, a serialization failure: the database is fine, so
 * the health check is not told), or dead letters Kafka did not take (the health check is told); a moved position
 * is not one, it is the caller's to handle.
 */
final class RetryingStore {

    private static final Logger LOG = LoggerFactory.getLogger(RetryingStore.class);
    private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ZERO);

    private final BatchStore store;
    private final SinkMetrics metrics;
    private final AtomicReference<String> degraded = new AtomicReference<>();

    RetryingStore(BatchStore store, SinkMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    /** {@link BatchStore#write}, retried within {@code bound}. */
    CopyBatchWriter.Result write(
            SegmentBatch batch, Map<TopicPartition, Long> expected, DeadLetterSink dlq, Duration bound)
            throws Exception {
        CopyBatchWriter.Result result = BACKOFF.withTimeout(bound)
                .run(e -> isTransient(e), this::retrying, () -> store.write(batch, expected, dlq));
        degraded.set(null);
        return result;
    }

    /** {@link BatchStore#storedOffsets}, retried within {@code bound}. */
    Map<TopicPartition, Long> storedOffsets(Collection<TopicPartition> partitions, Duration bound) throws Exception {
        Map<TopicPartition, Long> stored = BACKOFF.withTimeout(bound)
                .run(RetryingStore::isTransient, this::retrying, () -> store.storedOffsets(partitions));
        degraded.set(null);
        return stored;
    }

    /** Why the consumer is waiting for the database, or null while it is not. */
    String degraded() {
        return degraded.get();
    }

    private static boolean isTransient(Exception e) {
        return e instanceof CopyBatchWriter.DeadLettersNotWrittenException
                || e instanceof SQLException sql
                        && !(e instanceof CopyBatchWriter.PositionMovedException)
                        && Database.isTransient(sql);
    }

    private void retrying(Exception e, Duration pause) {
        metrics.retried();
        if (e instanceof CopyBatchWriter.DeadLettersNotWrittenException) {
            degraded.set("dead-letter topic unavailable, retrying: " + e.getMessage());
            LOG.warn("sink: {}; retrying in {} ms, nothing advanced", e.getMessage(), pause.toMillis());
        } else if (e instanceof SQLException sql && Database.isConnectionLost(sql)) {
            degraded.set("database unavailable, retrying: " + e.getMessage());
            LOG.warn(
                    "sink: database unavailable ({}); retrying in {} ms, nothing advanced",
                    e.getMessage(),
                    pause.toMillis());
        } else {
            LOG.info(
                    "sink: the write lost a conflict with another transaction ({}); retrying in {} ms, nothing advanced",
                    e.getMessage(),
                    pause.toMillis());
        }
    }
}
