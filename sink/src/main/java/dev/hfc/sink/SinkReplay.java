package dev.hfc.sink;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import dev.hfc.core.event.DecodeResult;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.topic.OffsetRewind;
import dev.hfc.core.topic.ReplayPoint;
import dev.hfc.core.topic.Topics;
import dev.hfc.schema.JdbcSession;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.sink.offset.SinkOffsets;
import dev.hfc.sink.sql.SinkSql;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hfc replay sink}: rewrites the sink's stored positions (in Postgres, where the sink reads them)
 * to the first record at or after an instant, or to the beginning. Works with the sink stopped or running:
 * a running instance's next write finds its positions moved, writes nothing, and re-reads them.
 *
 * <p>Reprocessed records are idempotent upserts and deletes keyed by (week, user) that never touch sent
 * rows. A replay from the beginning also removes the unsent rows whose key is no longer live in the
 * compacted topic: once the broker has dropped a tombstone (after {@code delete.retention.ms}) no record
 * is left to delete such a row, so the table ends as a fresh computation would have it only with this sweep.
 */
public final class SinkReplay {

    private static final Logger LOG = LoggerFactory.getLogger(SinkReplay.class);

    /** What a replay did: the new positions, and the unsent rows the sweep removed (replays from earliest). */
    public record Result(Map<TopicPartition, Long> offsets, long rowsSwept) {}

    private SinkReplay() {}

    public static Result rewind(
            Admin admin, KafkaSettings kafka, DbSettings db, String groupId, Topics topics, ReplayPoint point)
            throws SQLException {
        SchemaMigrator.migrate(db, false);
        String topic = topics.customerSegments().name();
        long swept = 0;
        if (point.isEarliest()) {
            Set<SegmentKey> live = liveKeys(kafka, topic);
            swept = sweep(db, live);
            LOG.info(
                    "sink '{}': {} keys live in {}; {} unsent rows of keys no longer in it removed",
                    groupId,
                    live.size(),
                    topic,
                    swept);
        }
        Map<TopicPartition, Long> offsets = OffsetRewind.offsetsAt(admin, List.of(topic), point);
        SinkOffsets.rewrite(db, groupId, offsets);
        LOG.info("sink '{}' rewound to {}: {}", groupId, point, offsets);
        return new Result(offsets, swept);
    }

    /** The keys whose last committed record in the topic, read to its current end, is not a tombstone. */
    static Set<SegmentKey> liveKeys(KafkaSettings kafka, String topic) {
        Map<SegmentKey, Boolean> last = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                kafka.clientProperties(Map.of(
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                        5000)),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) {
                        continue; // written after the replay began: the sink applies it after the rewind anyway
                    }
                    if (SegmentKey.decode(r.key()) instanceof DecodeResult.Valid<SegmentKey> k) {
                        last.put(k.value(), r.value() != null);
                    }
                }
            }
        }
        Set<SegmentKey> live = new HashSet<>();
        last.forEach((k, isLive) -> {
            if (isLive) {
                live.add(k);
            }
        });
        return live;
    }

    /** Deletes the unsent rows whose key is not in {@code live}, in one transaction. */
    static long sweep(DbSettings db, Set<SegmentKey> live) throws SQLException {
        return JdbcSession.once(db, c -> {
            try (Statement s = c.createStatement()) {
                s.execute(SinkSql.CREATE_LIVE_KEYS);
            }
            try (PreparedStatement ps = c.prepareStatement(SinkSql.INSERT_LIVE_KEYS)) {
                List<SegmentKey> keys = new ArrayList<>(live);
                for (int from = 0; from < keys.size(); from += 10_000) {
                    List<SegmentKey> chunk = keys.subList(from, Math.min(keys.size(), from + 10_000));
                    ps.setArray(
                            1,
                            c.createArrayOf(
                                    "varchar",
                                    chunk.stream().map(k -> k.week().toString()).toArray()));
                    ps.setArray(
                            2,
                            c.createArrayOf(
                                    "uuid",
                                    chunk.stream().map(SegmentKey::userId).toArray()));
                    ps.executeUpdate();
                }
            }
            long deleted;
            try (Statement s = c.createStatement()) {
                s.execute(SinkSql.INDEX_LIVE_KEYS);
                s.execute(SinkSql.ANALYZE_LIVE_KEYS);
                deleted = s.executeUpdate(SinkSql.sweep(db));
            }
            return deleted;
        });
    }
}
