package dev.hfc.sink;

import dev.hfc.sink.batch.SegmentBatch;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rebalance callbacks of one {@link SinkConsumer}, run on its loop's thread inside {@code poll}: revoked
 * partitions' batch is written (or dropped, to be re-read by the new owner), assigned ones are sought to the
 * offsets stored in Postgres.
 */
final class SinkRebalanceListener implements ConsumerRebalanceListener {

    /** Logged under the consumer's name, as when this was part of it. */
    private static final Logger LOG = LoggerFactory.getLogger(SinkConsumer.class);

    /** The consumer's transactional write of its batch with its offsets, within a bound. */
    @FunctionalInterface
    interface Flush {
        /** Writes the batch; false when the stored position had moved and the batch was dropped unwritten. */
        boolean flush(Duration bound) throws Exception;
    }

    private final SegmentBatch batch;
    private final StoredPositions positions;
    private final RetryingStore retries;
    private final Flush flush;
    private final Duration revokeBound;
    private final Duration dbRetryTimeout;

    SinkRebalanceListener(
            SegmentBatch batch,
            StoredPositions positions,
            RetryingStore retries,
            Flush flush,
            Duration revokeBound,
            SinkService.Settings settings) {
        this.batch = batch;
        this.positions = positions;
        this.retries = retries;
        this.flush = flush;
        this.dbRetryTimeout = settings.dbRetryTimeout();
        // Never longer than a write may wait for the database.
        this.revokeBound = revokeBound.compareTo(dbRetryTimeout) < 0 ? revokeBound : dbRetryTimeout;
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        try {
            // Bounded: the whole group waits for this callback.
            flush.flush(revokeBound);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            batch.dropPartitions(new HashSet<>(partitions));
        } catch (Exception e) {
            LOG.warn(
                    "sink: could not write the batch before giving up {} ({}); its records of those "
                            + "partitions are dropped and will be read again by their new owner",
                    partitions,
                    e.toString());
            batch.dropPartitions(new HashSet<>(partitions));
        }
        positions.forget(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        Set<TopicPartition> lost = new HashSet<>(partitions);
        batch.dropPartitions(lost);
        positions.forget(lost);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        try {
            // Retried like a write: a database outage during a rebalance must not end the process.
            positions.seek(partitions, retries.storedOffsets(partitions, dbRetryTimeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot read the sink's stored offsets of " + partitions + " within " + dbRetryTimeout.toMillis()
                            + " ms: " + e.getMessage(),
                    e);
        }
    }
}
