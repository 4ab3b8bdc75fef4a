package dev.hfc.sink;

import dev.hfc.core.topic.DeadLetterPublisher;
import dev.hfc.sink.batch.BatchAssembler;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.copy.BatchStore;
import dev.hfc.sink.copy.CopyBatchWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer of the sink's group, on a thread of its own with its own database connection: it gathers
 * the records of the partitions Kafka assigned to it into batches closed by size or time, and writes each
 * batch with the next offsets of its partitions in one Postgres transaction through
 * {@link CopyBatchWriter}. On assignment it seeks to the offsets stored in Postgres, never to Kafka's (it
 * commits to Kafka after each transaction only so that lag tools see it).
 *
 * <p>No path writes rows without their offsets: a full batch, the linger time, a shutdown and a rebalance
 * all go through the same transactional write; partitions revoked while the database is down are dropped
 * from the batch unwritten (their new owner reads them again from the stored offsets). Consumers of one
 * group own disjoint partitions, and a key lives in one partition, so two consumers never write the same
 * row or the same offset row: each partition stays exactly once on its own.
 *
 * <p>This class is the loop only: {@link BatchAssembler} decodes the records and sends the refused ones to
 * the dead-letter topic, {@link RetryingStore} retries the database, {@link StoredPositions} holds the
 * positions writes are fenced on and seeks to them, {@link SinkProgress} tells how far behind the consumer is,
 * {@link SinkRebalanceListener} writes or drops the batch on a rebalance and seeks assigned partitions, and
 * {@link SinkConsumerFactory} builds it on Kafka and PostgreSQL.
 */
final class SinkConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(SinkConsumer.class);
    /** The lag-only commits' failures, logged once per kind instead of Kafka's ERROR per failure. */
    private final dev.hfc.sink.offset.LagCommits lagCommits = new dev.hfc.sink.offset.LagCommits();

    /** How often an idle consumer compares its positions with the stored ones (a replay of a quiet partition). */
    static final Duration POSITION_CHECK = Duration.ofSeconds(1);
    /** The longest a rebalance waits for a revoked partition's batch; then it is dropped and re-read by the new owner. */
    static final Duration REVOKE_FLUSH_BOUND = Duration.ofSeconds(10);

    private final int index;
    private final SinkService.Settings settings;
    private final SinkMetrics metrics;
    private final Consumer<byte[], byte[]> consumer;
    private final BatchStore store;
    private final RetryingStore retries;
    private final BatchAssembler assembler;
    private final SinkProgress progress;
    private final Duration positionCheck;
    private final Duration revokeBound;
    /** The assembler's batch: what the loop writes, clears, and drops partitions from. */
    private final SegmentBatch batch;

    private final StoredPositions positions;
    private final Thread thread;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private volatile boolean running = true;
    private long lastPositionCheck = System.nanoTime();

    /** A member of the group with the handed-in consumer, store and DLQ producer (tests hand in fakes). */
    SinkConsumer(
            int index,
            SinkService.Settings settings,
            SinkMetrics metrics,
            Consumer<byte[], byte[]> consumer,
            BatchStore store,
            Producer<byte[], byte[]> dlqProducer,
            Duration positionCheck,
            Duration revokeBound) {
        this.index = index;
        this.settings = settings;
        this.metrics = metrics;
        this.consumer = consumer;
        this.store = store;
        this.retries = new RetryingStore(store, metrics);
        this.assembler = new BatchAssembler(
                new DeadLetterPublisher(dlqProducer, settings.topics(), SinkService.STAGE), metrics::deadLettered);
        this.batch = assembler.batch();
        this.progress = new SinkProgress(index, consumer, store, metrics);
        this.positions = new StoredPositions(consumer);
        this.positionCheck = positionCheck;
        this.revokeBound = revokeBound;
        this.thread = new Thread(this::loop, "hfc-sink-" + index);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        try {
            subscribe();
            while (running) {
                pollOnce();
            }
            flush(settings.dbRetryTimeout()); // SIGTERM: write what was gathered, with its offsets
            progress.leave();
        } catch (WakeupException e) {
            if (running) {
                fail(e);
            } else {
                flushOnShutdown();
            }
        } catch (Exception e) {
            fail(e);
        } finally {
            try {
                consumer.close(java.time.Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                LOG.warn("sink consumer did not close cleanly", e);
            }
        }
    }

    void subscribe() {
        consumer.subscribe(
                List.of(settings.topics().customerSegments().name()),
                new SinkRebalanceListener(batch, positions, retries, this::flush, revokeBound, settings));
    }

    /**
     * One poll: its records go into the batch, which is written when full, old enough, or when the consumer
     * has read everything there is (a live change then waits for no linger). When a write finds
     * the stored position moved (a replay, a new owner), the consumer seeks there and the rest of this poll
     * is dropped: it was read from the old position, and adding it would mix old and new offsets.
     */
    void pollOnce() throws Exception {
        long lingerLeft = settings.linger().toNanos() - batch.ageNanos();
        Duration timeout = batch.isEmpty()
                ? Duration.ofMillis(200)
                : Duration.ofNanos(
                        Math.max(0, Math.min(lingerLeft, Duration.ofMillis(200).toNanos())));
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(timeout);
        for (ConsumerRecord<byte[], byte[]> r : polled) {
            positions.checkNotBehind(r);
            assembler.add(r);
            if (batch.records() >= settings.batchSize() && !flush(settings.dbRetryTimeout())) {
                break;
            }
        }
        if (!batch.isEmpty() && (batch.ageNanos() >= settings.linger().toNanos() || progress.readEverything())) {
            flush(settings.dbRetryTimeout());
        }
        if (polled.isEmpty() && batch.isEmpty() && System.nanoTime() - lastPositionCheck >= positionCheck.toNanos()) {
            followMovedPositions();
        }
        progress.update(batch.records());
    }

    /**
     * An idle consumer learns of a replay only here: nothing is written, so no write can find the position
     * moved. Partitions whose stored offset differs from this consumer's are sought to the stored one.
     */
    private void followMovedPositions() throws Exception {
        lastPositionCheck = System.nanoTime();
        Set<TopicPartition> owned = consumer.assignment();
        if (owned.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> stored = retries.storedOffsets(owned, settings.dbRetryTimeout());
        List<TopicPartition> moved = positions.moved(owned, stored);
        if (!moved.isEmpty()) {
            LOG.warn(
                    "sink: stored positions of {} moved while idle (a replay or another owner); re-reading them",
                    moved);
            positions.seek(moved, stored);
        }
    }

    private void flushOnShutdown() {
        try {
            flush(settings.dbRetryTimeout());
            progress.leave();
        } catch (Exception e) {
            LOG.error("sink: the last batch could not be written on shutdown; it will be read again on restart", e);
        }
    }

    /**
     * Writes the batch with its offsets, retrying connection failures with backoff within {@code bound}.
     *
     * @return false when the stored position had moved: nothing was written, the batch is dropped and the
     *     consumer sought to the stored positions
     */
    private boolean flush(Duration bound) throws Exception {
        if (batch.isEmpty()) {
            return true;
        }
        long start = System.nanoTime();
        CopyBatchWriter.Result result;
        try {
            result = retries.write(batch, positions.expected(), assembler, bound);
        } catch (CopyBatchWriter.PositionMovedException e) {
            LOG.warn("sink: {}; re-reading the stored positions", e.getMessage());
            batch.clear();
            List<TopicPartition> owned = new ArrayList<>(consumer.assignment());
            positions.seek(owned, retries.storedOffsets(owned, settings.dbRetryTimeout()));
            return false;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        metrics.batch(batch.records(), result.upserted(), result.deleted(), took, batch.maxTimestampMs());
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        batch.nextOffsets().forEach((tp, next) -> {
            positions.stored(tp, next);
            committed.put(tp, new OffsetAndMetadata(next));
        });
        consumer.commitAsync(committed, lagCommits); // for lag tools only; Postgres holds the truth
        LOG.debug(
                "sink: batch of {} records: {} upserted, {} deleted, {} refused in {} ms ({})",
                batch.records(),
                result.upserted(),
                result.deleted(),
                result.refused().size(),
                took.toMillis(),
                result.direct() ? "direct" : "staged");
        batch.clear();
        return true;
    }

    private void fail(Exception e) {
        LOG.error("sink consumer {} stopped on an error", index, e);
        failure.set(e.toString());
        running = false;
    }

    String failure() {
        return failure.get();
    }

    String degraded() {
        return retries.degraded();
    }

    /** Asks the loop to write what it has gathered, with its offsets, and stop. */
    void stop() {
        running = false;
        consumer.wakeup();
    }

    /** Waits for the loop to end (after {@link #stop()}), then closes the connection. */
    void awaitStopped(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        store.close();
    }
}
