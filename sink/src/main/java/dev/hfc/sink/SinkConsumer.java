package dev.hfc.sink;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.DecodeResult;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.topic.DeadLetterPublisher;
import dev.hfc.schema.Database;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.copy.CopyBatchWriter;
import dev.hfc.sink.copy.CopyFormat;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import dev.hfc.core.retry.Backoff;
import dev.hfc.sink.copy.BatchStore;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
 */
final class SinkConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(SinkConsumer.class);
    /** The lag-only commits' failures, logged once per kind instead of Kafka's ERROR per failure. */
    private final dev.hfc.sink.offset.LagCommits lagCommits = new dev.hfc.sink.offset.LagCommits();

    /** How often an idle consumer compares its positions with the stored ones (a replay of a quiet partition). */
    static final Duration POSITION_CHECK = Duration.ofSeconds(1);
    /** How often a consumer publishes its progress to hfc_sink_progress. */
    static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);
    /** The longest a rebalance waits for a revoked partition's batch; then it is dropped and re-read by the new owner. */
    static final Duration REVOKE_FLUSH_BOUND = Duration.ofSeconds(10);
    private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), Duration.ZERO);

    private final int index;
    private final SinkService.Settings settings;
    private final SinkMetrics metrics;
    private final DeadLetterPublisher deadLetters;
    private final Consumer<byte[], byte[]> consumer;
    private final BatchStore store;
    private final Duration positionCheck;
    private final Duration revokeBound;
    private final SegmentBatch batch = new SegmentBatch();
    /** Per owned partition: the stored position this consumer last read or wrote (null: none stored yet). */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private final Thread thread;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final AtomicReference<String> degraded = new AtomicReference<>();
    private volatile boolean running = true;
    private long lastPositionCheck = System.nanoTime();
    private long lastProgress;
    /** This consumer in hfc_sink_progress: process and index, unique among the group's members. */
    private final String member;

    /** A member of the group with the handed-in consumer, store and DLQ producer (tests hand in fakes). */
    SinkConsumer(int index, SinkService.Settings settings, SinkMetrics metrics, Consumer<byte[], byte[]> consumer,
                 BatchStore store, Producer<byte[], byte[]> dlqProducer, Duration positionCheck, Duration revokeBound) {
        this.index = index;
        this.settings = settings;
        this.metrics = metrics;
        this.consumer = consumer;
        this.store = store;
        this.deadLetters = new DeadLetterPublisher(dlqProducer, settings.topics(), SinkService.STAGE);
        this.positionCheck = positionCheck;
        this.revokeBound = revokeBound.compareTo(settings.dbRetryTimeout()) < 0 ? revokeBound : settings.dbRetryTimeout();
        this.thread = new Thread(this::loop, "hfc-sink-" + index);
        this.member = java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "#" + index;
    }

    /** A member of the group on Kafka and PostgreSQL. */
    static SinkConsumer create(int index, SinkService.Settings settings, SinkMetrics metrics,
                               Producer<byte[], byte[]> dlqProducer) {
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        if (settings.instanceId() != null) {
            // Static membership: a restarted instance takes its partitions back at once instead of the group
            // waiting out the session timeout of the member it replaces.
            consumerProps.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, settings.instanceId() + "-" + index);
        }
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(settings.batchSize(), 5000));
        // A batch may wait out a database outage inside poll's loop; stay in the group meanwhile.
        consumerProps.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                (int) Math.min(Integer.MAX_VALUE, settings.dbRetryTimeout().plusMinutes(5).toMillis()));
        consumerProps.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(settings.kafka().clientProperties(consumerProps),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        return new SinkConsumer(index, settings, metrics, consumer,
                new CopyBatchWriter(settings.db(), settings.groupId(), CopyFormat.BINARY), dlqProducer, POSITION_CHECK, REVOKE_FLUSH_BOUND);
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
            leave();
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
        consumer.subscribe(List.of(settings.topics().customerSegments().name()), new Rebalance());
    }

    /**
     * One poll: its records go into the batch, which is written when full, old enough, or when the consumer
     * has read everything there is (a live change then waits for no linger). When a write finds
     * the stored position moved (a replay, a new owner), the consumer seeks there and the rest of this poll
     * is dropped: it was read from the old position, and adding it would mix old and new offsets.
     */
    void pollOnce() throws Exception {
        long lingerLeft = settings.linger().toNanos() - batch.ageNanos();
        Duration timeout = batch.isEmpty() ? Duration.ofMillis(200)
                : Duration.ofNanos(Math.max(0, Math.min(lingerLeft, Duration.ofMillis(200).toNanos())));
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(timeout);
        for (ConsumerRecord<byte[], byte[]> r : polled) {
            add(r);
            if (batch.records() >= settings.batchSize() && !flush(settings.dbRetryTimeout())) {
                break;
            }
        }
        if (!batch.isEmpty() && (batch.ageNanos() >= settings.linger().toNanos() || readEverything())) {
            flush(settings.dbRetryTimeout());
        }
        if (polled.isEmpty() && batch.isEmpty() && System.nanoTime() - lastPositionCheck >= positionCheck.toNanos()) {
            followMovedPositions();
        }
        updateLag();
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
        Map<TopicPartition, Long> stored = storedOffsets(owned, settings.dbRetryTimeout());
        List<TopicPartition> moved = new ArrayList<>();
        for (TopicPartition tp : owned) {
            if (positions.containsKey(tp) && !java.util.Objects.equals(stored.get(tp), positions.get(tp))) {
                moved.add(tp);
            }
        }
        if (!moved.isEmpty()) {
            LOG.warn("sink: stored positions of {} moved while idle (a replay or another owner); re-reading them", moved);
            seek(moved, stored);
        }
    }

    private void flushOnShutdown() {
        try {
            flush(settings.dbRetryTimeout());
            leave();
        } catch (Exception e) {
            LOG.error("sink: the last batch could not be written on shutdown; it will be read again on restart", e);
        }
    }

    private void add(ConsumerRecord<byte[], byte[]> r) {
        var source = new SegmentBatch.Source(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
        Long from = positions.get(new TopicPartition(r.topic(), r.partition()));
        if (from != null && r.offset() < from) {
            throw new IllegalStateException("sink: record " + r.topic() + "-" + r.partition() + "@" + r.offset()
                    + " precedes the partition's position " + from + "; it would overwrite newer values");
        }
        DecodeResult<SegmentKey> key = SegmentKey.decode(r.key());
        if (key instanceof DecodeResult.Invalid<SegmentKey> bad) {
            batch.refuse(source, bad.rejection());
            return;
        }
        SegmentKey k = key.orThrow();
        if (r.value() == null) {
            var reason = r.headers().lastHeader(EndReason.HEADER);
            batch.tombstone(k, EndReason.fromHeader(reason == null ? null : reason.value()), source);
            return;
        }
        DecodeResult<CustomerSegment> value = EventCodecs.CUSTOMER_SEGMENT.decode(r.value());
        if (value instanceof DecodeResult.Invalid<CustomerSegment> bad) {
            batch.refuse(source, bad.rejection());
        } else if (!value.orThrow().key().equals(k)) {
            batch.refuse(source, new dev.hfc.core.event.Rejection(dev.hfc.core.event.RejectReason.KEY_MISMATCH,
                    "key " + k + " differs from the value's week and user_id " + value.orThrow().key()));
        } else {
            batch.add(k, value.orThrow(), source);
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
            result = BACKOFF.withTimeout(bound).run(e -> isTransient(e), this::retrying,
                    () -> store.write(batch, positions, this::deadLetter));
        } catch (CopyBatchWriter.PositionMovedException e) {
            LOG.warn("sink: {}; re-reading the stored positions", e.getMessage());
            batch.clear();
            List<TopicPartition> owned = new ArrayList<>(consumer.assignment());
            seek(owned, storedOffsets(owned, settings.dbRetryTimeout()));
            return false;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        metrics.batch(batch.records(), result.upserted(), result.deleted(), took, batch.maxTimestampMs());
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
        batch.nextOffsets().forEach((tp, next) -> {
            positions.put(tp, next);
            committed.put(tp, new OffsetAndMetadata(next));
        });
        consumer.commitAsync(committed, lagCommits); // for lag tools only; Postgres holds the truth
        LOG.debug("sink: batch of {} records: {} upserted, {} deleted, {} refused in {} ms ({})",
                batch.records(), result.upserted(), result.deleted(), result.refused().size(),
                took.toMillis(), result.direct() ? "direct" : "staged");
        batch.clear();
        degraded.set(null);
        return true;
    }

    private static boolean isTransient(Exception e) {
        return e instanceof SQLException sql && !(e instanceof CopyBatchWriter.PositionMovedException)
                && Database.isConnectionFailure(sql);
    }

    private void retrying(Exception e, Duration pause) {
        metrics.retried();
        degraded.set("database unavailable, retrying: " + e.getMessage());
        LOG.warn("sink: database unavailable ({}); retrying in {} ms, nothing advanced", e.getMessage(), pause.toMillis());
    }

    private Map<TopicPartition, Long> storedOffsets(Collection<TopicPartition> partitions, Duration bound) throws Exception {
        return BACKOFF.withTimeout(bound).run(SinkConsumer::isTransient, this::retrying, () -> store.storedOffsets(partitions));
    }

    /** Writes refused records to the DLQ and waits until Kafka has them (called before the commit). */
    private void deadLetter(List<SegmentBatch.Refused> refused) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (SegmentBatch.Refused r : refused) {
            sent.add(deadLetters.publish(r.rejection(), r.source().topic(), r.source().partition(), r.source().offset(),
                    r.source().timestampMs(), r.source().key(), r.source().value()));
        }
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }
        refused.forEach(r -> metrics.deadLettered(r.rejection().reason()));
    }

    /** Seeks {@code partitions} to their stored offsets, and those never written to the beginning. */
    private void seek(Collection<TopicPartition> partitions, Map<TopicPartition, Long> stored) {
        List<TopicPartition> fresh = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            Long offset = stored.get(tp);
            positions.put(tp, offset);
            if (offset == null) {
                fresh.add(tp);
            } else {
                consumer.seek(tp, offset);
            }
        }
        if (!fresh.isEmpty()) {
            consumer.seekToBeginning(fresh); // never written by any sink of this group
        }
        LOG.info("sink: positions from PostgreSQL {}; from the beginning {}", stored, fresh);
    }

    /** True when the last fetch of every owned partition left nothing unread (read_committed: up to the stable offset). */
    private boolean readEverything() {
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

    private void updateLag() {
        long lag = 0;
        boolean known = true;
        for (TopicPartition tp : consumer.assignment()) {
            java.util.OptionalLong l = consumer.currentLag(tp);
            known &= l.isPresent();
            lag += l.orElse(0);
        }
        metrics.lag(index, lag);
        if (System.nanoTime() - lastProgress >= PROGRESS_EVERY.toNanos()) {
            lastProgress = System.nanoTime();
            try {
                // Records read but still in the batch are not in the table either.
                store.reportProgress(member, known ? lag + batch.records() : null);
            } catch (SQLException e) {
                LOG.debug("sink: progress not published ({})", e.getMessage());
            }
        }
    }

    private void leave() {
        try {
            store.leave(member);
        } catch (SQLException e) {
            LOG.debug("sink: progress row not removed ({})", e.getMessage());
        }
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
        return degraded.get();
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

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            try {
                // Bounded: the whole group waits for this callback.
                flush(revokeBound);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batch.dropPartitions(new HashSet<>(partitions));
            } catch (Exception e) {
                LOG.warn("sink: could not write the batch before giving up {} ({}); its records of those "
                        + "partitions are dropped and will be read again by their new owner", partitions, e.toString());
                batch.dropPartitions(new HashSet<>(partitions));
            }
            partitions.forEach(positions::remove);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            Set<TopicPartition> lost = new HashSet<>(partitions);
            batch.dropPartitions(lost);
            lost.forEach(positions::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            try {
                // Retried like a write: a database outage during a rebalance must not end the process.
                seek(partitions, storedOffsets(partitions, settings.dbRetryTimeout()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WakeupException();
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the sink's stored offsets of " + partitions
                        + " within " + settings.dbRetryTimeout().toMillis() + " ms: " + e.getMessage(), e);
            }
        }
    }
}
