package dev.hfc.sink;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.DecodeResult;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.topic.DeadLetters;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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

    private final int index;
    private final SinkService.Settings settings;
    private final SinkMetrics metrics;
    private final KafkaProducer<byte[], byte[]> dlqProducer;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final CopyBatchWriter writer;
    private final SegmentBatch batch = new SegmentBatch();
    /** Per owned partition: the stored position this consumer last read or wrote (null: none stored yet). */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private final Thread thread;
    private final AtomicReference<String> failure = new AtomicReference<>();
    private final AtomicReference<String> degraded = new AtomicReference<>();
    private volatile boolean running = true;

    SinkConsumer(int index, SinkService.Settings settings, SinkMetrics metrics, KafkaProducer<byte[], byte[]> dlqProducer) {
        this.index = index;
        this.settings = settings;
        this.metrics = metrics;
        this.dlqProducer = dlqProducer;
        Map<String, Object> consumerProps = new HashMap<>();
        consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(settings.batchSize(), 5000));
        // A batch may wait out a database outage inside poll's loop; stay in the group meanwhile.
        consumerProps.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                (int) Math.min(Integer.MAX_VALUE, settings.dbRetryTimeout().plusMinutes(5).toMillis()));
        consumerProps.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        consumer = new KafkaConsumer<>(settings.kafka().clientProperties(consumerProps),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        writer = new CopyBatchWriter(settings.db(), settings.groupId(), CopyFormat.BINARY);
        thread = new Thread(this::loop, "hfc-sink-" + index);
    }

    void start() {
        thread.start();
    }

    private void loop() {
        try {
            consumer.subscribe(List.of(settings.topics().customerSegments().name()), new Rebalance());
            while (running) {
                long lingerLeft = settings.linger().toNanos() - batch.ageNanos();
                Duration timeout = batch.isEmpty() ? Duration.ofMillis(200)
                        : Duration.ofNanos(Math.max(0, Math.min(lingerLeft, Duration.ofMillis(200).toNanos())));
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(timeout)) {
                    add(r);
                    if (batch.records() >= settings.batchSize()) {
                        flush();
                    }
                }
                if (!batch.isEmpty() && batch.ageNanos() >= settings.linger().toNanos()) {
                    flush();
                }
                updateLag();
            }
            flush(); // SIGTERM: write what was gathered, with its offsets
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

    private void flushOnShutdown() {
        try {
            flush();
        } catch (Exception e) {
            LOG.error("sink: the last batch could not be written on shutdown; it will be read again on restart", e);
        }
    }

    private void add(ConsumerRecord<byte[], byte[]> r) {
        var source = new SegmentBatch.Source(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value());
        DecodeResult<SegmentKey> key = SegmentKey.decode(r.key());
        if (key instanceof DecodeResult.Invalid<SegmentKey> bad) {
            batch.refuse(source, bad.rejection());
            return;
        }
        SegmentKey k = key.orThrow();
        if (r.value() == null) {
            batch.add(k, null, source);
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

    /** Writes the batch, retrying connection failures with backoff until the retry timeout. */
    private void flush() throws Exception {
        if (batch.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + settings.dbRetryTimeout().toNanos();
        long backoffMs = 100;
        while (true) {
            long start = System.nanoTime();
            try {
                CopyBatchWriter.Result result = writer.write(batch, positions, this::deadLetter);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                metrics.batch(batch.records(), result.upserted(), result.deleted(), took, batch.maxTimestampMs());
                Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>();
                batch.nextOffsets().forEach((tp, next) -> {
                    positions.put(tp, next);
                    committed.put(tp, new OffsetAndMetadata(next));
                });
                consumer.commitAsync(committed, null); // for lag tools only; Postgres holds the truth
                LOG.debug("sink: batch of {} records: {} upserted, {} deleted, {} refused in {} ms ({})",
                        batch.records(), result.upserted(), result.deleted(), result.refused().size(),
                        took.toMillis(), result.direct() ? "direct" : "staged");
                batch.clear();
                degraded.set(null);
                return;
            } catch (CopyBatchWriter.PositionMovedException e) {
                LOG.warn("sink: {}; re-reading the stored positions", e.getMessage());
                batch.clear();
                seekToStored(new ArrayList<>(consumer.assignment()));
                return;
            } catch (SQLException e) {
                if (!Database.isConnectionFailure(e) || System.nanoTime() > deadline) {
                    throw e;
                }
                metrics.retried();
                degraded.set("database unavailable, retrying: " + e.getMessage());
                LOG.warn("sink: database unavailable ({}); retrying in {} ms, nothing advanced", e.getMessage(), backoffMs);
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 10_000);
            }
        }
    }

    /** Writes refused records to the DLQ and waits until Kafka has them (called before the commit). */
    private void deadLetter(List<SegmentBatch.Refused> refused) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (SegmentBatch.Refused r : refused) {
            LOG.warn("sink: {}-{}@{} sent to the DLQ: {}", r.source().topic(), r.source().partition(),
                    r.source().offset(), r.rejection());
            sent.add(dlqProducer.send(new ProducerRecord<>(settings.topics().dlq().name(), null,
                    r.source().timestampMs() < 0 ? null : r.source().timestampMs(), r.source().key(), r.source().value(),
                    DeadLetters.headers(SinkService.STAGE, r.rejection(), r.source().topic(), r.source().partition(), r.source().offset()))));
        }
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }
        refused.forEach(r -> metrics.deadLettered(r.rejection().reason()));
    }

    private void seekToStored(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> stored;
        try {
            stored = SinkOffsets.read(settings.db(), settings.groupId(), partitions);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the sink's stored offsets: " + e.getMessage(), e);
        }
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

    private void updateLag() {
        long lag = 0;
        for (TopicPartition tp : consumer.assignment()) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        metrics.lag(index, lag);
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
        writer.close();
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            try {
                flush();
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
            seekToStored(partitions);
        }
    }
}
