package dev.hfc.segmenter;

import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.event.DecodeResult;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.topic.KeyPartitions;
import dev.hfc.core.topic.TopicProvisioner;
import dev.hfc.core.topic.TopicSpec;
import dev.hfc.core.topic.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start, before Kafka Streams runs: finds the input partitions whose history this application cannot read
 * whole (README, Rebuild), and for them copies what is published in {@code customer-segments} into the
 * application's seed topic, each record into its customer's partition, so that the rebuilding task learns
 * what to withdraw or change once it knows its customers whole again ({@link History}).
 */
final class RebuildSeed {

    private static final Logger LOG = LoggerFactory.getLogger(RebuildSeed.class);

    private RebuildSeed() {}

    static String seedTopic(String applicationId) {
        return applicationId + "-published-seed";
    }

    static History prepare(
            Admin admin,
            KafkaSettings kafka,
            Topics topics,
            String applicationId,
            int inputPartitions,
            TopicProvisioner.Layout layout) {
        String seed = seedTopic(applicationId);
        TopicProvisioner.ensure(
                admin,
                List.of(new TopicSpec<>(seed, Serdes.String(), Serdes.ByteArray(), true)),
                new TopicProvisioner.Layout(
                        inputPartitions, layout.replicationFactor(), layout.tombstoneRetention(), layout.configs()));
        try {
            Set<Integer> partial =
                    partialPartitions(admin, topics.subscriptionEvents().name(), applicationId, inputPartitions);
            if (partial.isEmpty()) {
                return new History(partial, seed, Map.of());
            }
            LOG.warn(
                    "segmenter: partitions {} of {} start past offset 0 (retention deleted their beginning) and application {} "
                            + "has not read them: a task of these partitions that has no state rebuilds: it holds its output until "
                            + "it has read a snapshot of all customers (run 'hfc snapshot'; README, Rebuild)",
                    partial,
                    topics.subscriptionEvents().name(),
                    applicationId);
            Set<Integer> unseeded = new TreeSet<>(partial);
            unseeded.removeAll(seeded(kafka, seed, partial));
            if (!unseeded.isEmpty()) {
                copyPublished(kafka, topics.customerSegments().name(), seed, unseeded, inputPartitions);
            }
            Map<Integer, Long> customersEnds =
                    ends(admin, topics.customers().name(), inputPartitions, OffsetSpec.latest());
            customersEnds.keySet().retainAll(partial);
            return new History(partial, seed, customersEnds);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot read the offsets of the segmenter's inputs: "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the segmenter's input offsets", e);
        }
    }

    /** The partitions among {@code partitions} whose seed is whole: their last record is the end record. */
    private static Set<Integer> seeded(KafkaSettings kafka, String seed, Set<Integer> partitions) {
        Set<Integer> whole = new TreeSet<>();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka)) {
            List<TopicPartition> parts =
                    partitions.stream().map(p -> new TopicPartition(seed, p)).toList();
            consumer.assign(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            List<TopicPartition> toRead = new java.util.ArrayList<>();
            for (TopicPartition tp : parts) {
                if (end.get(tp) > 0) {
                    consumer.seek(tp, end.get(tp) - 1);
                    toRead.add(tp);
                } else {
                    consumer.pause(List.of(tp));
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Set<TopicPartition> read = new java.util.HashSet<>();
            while (read.size() < toRead.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (r.offset() == end.get(tp) - 1) {
                        read.add(tp);
                        if (r.key() != null
                                && History.SEED_END_KEY.equals(
                                        new String(r.key(), java.nio.charset.StandardCharsets.UTF_8))) {
                            whole.add(r.partition());
                        }
                    }
                }
            }
        }
        return whole;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(KafkaSettings kafka) {
        return new KafkaConsumer<>(
                kafka.clientProperties(Map.of(
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        5_000)),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    /** Partitions whose log starts past 0 and for which the application has no committed position. */
    static Set<Integer> partialPartitions(Admin admin, String input, String applicationId, int partitions)
            throws ExecutionException, InterruptedException {
        Map<Integer, Long> starts = ends(admin, input, partitions, OffsetSpec.earliest());
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(applicationId)
                .partitionsToOffsetAndMetadata()
                .get();
        Set<Integer> partial = new TreeSet<>();
        starts.forEach((p, start) -> {
            if (start > 0 && committed.get(new TopicPartition(input, p)) == null) {
                partial.add(p);
            }
        });
        return partial;
    }

    private static Map<Integer, Long> ends(Admin admin, String topic, int partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), spec);
        }
        Map<Integer, Long> out = new HashMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e :
                admin.listOffsets(request).all().get().entrySet()) {
            out.put(e.getKey().partition(), e.getValue().offset());
        }
        return out;
    }

    /** Remembers the first send that failed; {@link #check()} throws it, so that no end record follows a gap. */
    private static final class FirstFailure implements org.apache.kafka.clients.producer.Callback {
        private final java.util.concurrent.atomic.AtomicReference<Exception> first =
                new java.util.concurrent.atomic.AtomicReference<>();

        @Override
        public void onCompletion(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception exception) {
            if (exception != null) {
                first.compareAndSet(null, exception);
            }
        }

        void check() {
            if (first.get() != null) {
                throw new IllegalStateException(
                        "copying the published targets into the rebuild's seed failed (the next start "
                                + "copies again): " + first.get().getMessage(),
                        first.get());
            }
        }
    }

    /**
     * Copies the committed records of {@code published}, up to its end now, that belong to {@code partial}, then
     * closes each of those partitions of the seed with an end record. A copy cut short (a crash) has no end
     * record and is made again at the next start: the records copied twice are the same, in the same order.
     */
    private static void copyPublished(
            KafkaSettings kafka, String published, String seed, Set<Integer> partial, int partitions) {
        long start = System.nanoTime();
        long copied = 0;
        long skipped = 0;
        FirstFailure failed = new FirstFailure();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(kafka);
                KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                        kafka.clientProperties(Map.of(
                                ProducerConfig.ACKS_CONFIG,
                                "all",
                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                                true,
                                ProducerConfig.LINGER_MS_CONFIG,
                                10,
                                ProducerConfig.BATCH_SIZE_CONFIG,
                                256 * 1024,
                                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                                "lz4")),
                        new ByteArraySerializer(),
                        new ByteArraySerializer())) {
            List<TopicPartition> parts = consumer.partitionsFor(published).stream()
                    .map(i -> new TopicPartition(published, i.partition()))
                    .toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue;
                    }
                    DecodeResult<SegmentKey> key = SegmentKey.decode(r.key());
                    int partition =
                            key.isValid() ? KeyPartitions.of(key.orThrow().userId(), partitions) : -1;
                    if (!partial.contains(partition)) {
                        skipped++; // another task's customer, or not a target key (reported by the seed processor if
                        // ours)
                        continue;
                    }
                    producer.send(new ProducerRecord<>(seed, partition, r.timestamp(), r.key(), r.value()), failed);
                    copied++;
                }
            }
            producer.flush();
            failed.check();
            byte[] endKey = History.SEED_END_KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (int p : partial) {
                producer.send(
                        new ProducerRecord<>(
                                seed, p, null, endKey, published.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                        failed);
            }
            producer.flush();
            failed.check();
        }
        LOG.info(
                "segmenter: copied {} records of {} into {} for the rebuilding partitions ({} of other partitions skipped) in {} ms",
                copied,
                published,
                seed,
                skipped,
                (System.nanoTime() - start) / 1_000_000);
    }
}
