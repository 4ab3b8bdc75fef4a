package dev.hfc.sink.copy;

import dev.hfc.sink.batch.DeadLetterSink;
import dev.hfc.sink.batch.SegmentBatch;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a sink consumer's batches go: rows and the next offsets of their partitions in one transaction,
 * and the stored offsets it resumes from. {@link CopyBatchWriter} is the one for PostgreSQL; the consumer
 * is handed a store, so its rebalance, seek and retry logic is tested without a database.
 */
public interface BatchStore extends AutoCloseable {

    /**
     * Writes the batch and its offsets in one transaction, only if the stored offsets of its partitions are
     * still {@code expected}; otherwise throws {@link CopyBatchWriter.PositionMovedException} and writes nothing.
     */
    CopyBatchWriter.Result write(SegmentBatch batch, Map<TopicPartition, Long> expected, DeadLetterSink dlq)
            throws SQLException;

    /** The stored next offsets of {@code partitions}; a partition never written is absent. */
    Map<TopicPartition, Long> storedOffsets(Collection<TopicPartition> partitions) throws SQLException;

    /**
     * Publishes this consumer's progress for readers of the table: records of its partitions not written yet
     * ({@code null} while unknown). Best effort: a failure is the caller's to log, not to fail on.
     */
    void reportProgress(String member, Long lagRecords) throws SQLException;

    /** Removes this consumer's progress row (a clean stop: its partitions go to the others). */
    void leave(String member) throws SQLException;

    @Override
    void close();
}
