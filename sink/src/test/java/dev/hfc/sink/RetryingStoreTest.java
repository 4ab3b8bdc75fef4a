package dev.hfc.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.sink.batch.DeadLetterSink;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.copy.BatchStore;
import dev.hfc.sink.copy.CopyBatchWriter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RetryingStoreTest {

    private static final TopicPartition TP = new TopicPartition("segments", 0);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ScriptedStore store = new ScriptedStore();
    private final RetryingStore retrying = new RetryingStore(store, new SinkMetrics(registry));

    {
        store.health = retrying::degraded;
    }

    @Test
    void aLostConnectionIsRetriedAndTheHealthCheckIsToldUntilACallGoesThrough() throws Exception {
        store.failures.add(new SQLException("connection refused", "08001"));

        assertThat(retrying.storedOffsets(List.of(TP), Duration.ofSeconds(10))).containsEntry(TP, 7L);

        assertThat(store.healthAtEachCall)
                .as("what the health check was told at each attempt")
                .hasSize(2)
                .satisfies(h -> assertThat(h.get(0)).isNull())
                .satisfies(h -> assertThat(h.get(1)).startsWith("database unavailable, retrying: connection refused"));
        assertThat(retrying.degraded())
                .as("healthy again once the call went through")
                .isNull();
        assertThat(retries()).isEqualTo(1);
    }

    @Test
    void aLostConflictIsRetriedWithoutTellingTheHealthCheck() throws Exception {
        store.failures.add(new SQLException("deadlock detected", "40P01"));
        store.failures.add(new SQLException("could not serialize access", "40001"));

        assertThat(retrying.storedOffsets(List.of(TP), Duration.ofSeconds(10))).containsEntry(TP, 7L);

        assertThat(store.healthAtEachCall).hasSize(3).containsOnlyNulls();
        assertThat(retries()).isEqualTo(2);
    }

    @Test
    void deadLettersKafkaDidNotTakeAreRetriedAndTheHealthCheckIsTold() throws Exception {
        store.failures.add(
                new CopyBatchWriter.DeadLettersNotWrittenException(2, new IllegalStateException("broker unreachable")));

        assertThat(retrying.write(new SegmentBatch(), Map.of(), refused -> {}, Duration.ofSeconds(10))
                        .direct())
                .isTrue();

        assertThat(store.healthAtEachCall.get(1))
                .startsWith("dead-letter topic unavailable, retrying: 2 dead-letter record(s) could not be written");
        assertThat(retrying.degraded()).isNull();
        assertThat(retries()).isEqualTo(1);
    }

    @Test
    void aMovedPositionAndABadStatementAreNotRetried() {
        store.failures.add(new CopyBatchWriter.PositionMovedException(TP, 3L, 5L));
        assertThatThrownBy(() -> retrying.storedOffsets(List.of(TP), Duration.ofSeconds(10)))
                .isInstanceOf(CopyBatchWriter.PositionMovedException.class);

        store.failures.add(new SQLException("syntax error", "42601"));
        assertThatThrownBy(() -> retrying.storedOffsets(List.of(TP), Duration.ofSeconds(10)))
                .hasMessage("syntax error");

        assertThat(retries()).isZero();
        assertThat(retrying.degraded()).isNull();
    }

    private double retries() {
        return registry.get("hfc.sink.db.retries").counter().count();
    }

    /** Fails with the queued exceptions, one per call, then answers; notes what the health check says at each call. */
    private static final class ScriptedStore implements BatchStore {
        final Deque<SQLException> failures = new ArrayDeque<>();
        final List<String> healthAtEachCall = new ArrayList<>();
        Supplier<String> health;

        @Override
        public Map<TopicPartition, Long> storedOffsets(Collection<TopicPartition> partitions) throws SQLException {
            healthAtEachCall.add(health.get());
            SQLException next = failures.poll();
            if (next != null) {
                throw next;
            }
            return Map.of(TP, 7L);
        }

        @Override
        public CopyBatchWriter.Result write(SegmentBatch batch, Map<TopicPartition, Long> expected, DeadLetterSink dlq)
                throws SQLException {
            healthAtEachCall.add(health.get());
            SQLException next = failures.poll();
            if (next != null) {
                throw next;
            }
            return new CopyBatchWriter.Result(0, 0, List.of(), true);
        }

        @Override
        public void reportProgress(String member, Long lagRecords) {}

        @Override
        public void leave(String member) {}

        @Override
        public void close() {}
    }
}
