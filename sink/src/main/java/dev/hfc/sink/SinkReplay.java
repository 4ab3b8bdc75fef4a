package dev.hfc.sink;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.topic.OffsetRewind;
import dev.hfc.core.topic.ReplayPoint;
import dev.hfc.core.topic.Topics;
import dev.hfc.schema.SchemaMigrator;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hfc replay sink}: rewrites the sink's stored positions (in Postgres, where the sink reads them)
 * to the first record at or after an instant, or to the beginning. Works with the sink stopped or running:
 * a running instance's next write finds its positions moved, writes nothing, and re-reads them.
 *
 * <p>Reprocessed records are idempotent upserts and deletes keyed by (week, user) that never touch sent
 * rows, so the table ends as a fresh computation would have it.
 */
public final class SinkReplay {

    private static final Logger LOG = LoggerFactory.getLogger(SinkReplay.class);

    private SinkReplay() {}

    public static Map<TopicPartition, Long> rewind(Admin admin, DbSettings db, String groupId, Topics topics,
                                                   ReplayPoint point) throws SQLException {
        SchemaMigrator.migrate(db, false);
        Map<TopicPartition, Long> offsets = OffsetRewind.offsetsAt(admin, List.of(topics.customerSegments().name()), point);
        SinkOffsets.rewrite(db, groupId, offsets);
        LOG.info("sink '{}' rewound to {}: {}", groupId, point, offsets);
        return offsets;
    }
}
