package dev.hfc.sink.offset;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import dev.hfc.schema.JdbcSession;
import dev.hfc.sink.sql.SinkSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * The sink's positions in {@code hfc_sink_offsets}, one row per (group, topic, partition): the only place
 * their statements ({@link SinkSql}) are run. The writer reads, locks and stores them on its own connection, in the
 * transaction of the rows they cover; a replay rewrites them on a connection of its own.
 *
 * <p>Rows are always read, locked and written in (topic, partition) order, so that two writers that briefly
 * overlap during a rebalance wait for each other instead of deadlocking.
 */
public final class SinkOffsets {

    private final String readSql;
    private final String upsertSql;

    public SinkOffsets(DbSettings db) {
        this.readSql = SinkSql.readOffsets(db);
        this.upsertSql = SinkSql.storeOffsets(db);
    }

    /**
     * The stored next offsets of {@code partitions} for {@code groupId} (partitions never written are absent);
     * with {@code lock}, their rows stay locked until the transaction of {@code c} ends.
     */
    public Map<TopicPartition, Long> read(
            Connection c, String groupId, Collection<TopicPartition> partitions, boolean lock) throws SQLException {
        Map<TopicPartition, Long> stored = new HashMap<>();
        if (partitions.isEmpty()) {
            return stored;
        }
        List<TopicPartition> ordered = sorted(partitions);
        String[] topics = new String[ordered.size()];
        Integer[] numbers = new Integer[ordered.size()];
        for (int i = 0; i < ordered.size(); i++) {
            topics[i] = ordered.get(i).topic();
            numbers[i] = ordered.get(i).partition();
        }
        try (PreparedStatement ps = c.prepareStatement(lock ? readSql + SinkSql.LOCK_OFFSETS : readSql)) {
            ps.setString(1, groupId);
            ps.setArray(2, c.createArrayOf("varchar", topics));
            ps.setArray(3, c.createArrayOf("int4", numbers));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.put(new TopicPartition(rs.getString(1), rs.getInt(2)), rs.getLong(3));
                }
            }
        }
        return stored;
    }

    /** Stores {@code offsets} (next offset per partition) for {@code groupId} in the transaction of {@code c}. */
    public void store(Connection c, String groupId, Map<TopicPartition, Long> offsets) throws SQLException {
        if (offsets.isEmpty()) {
            return;
        }
        String[] topics = new String[offsets.size()];
        Integer[] partitions = new Integer[offsets.size()];
        Long[] next = new Long[offsets.size()];
        int i = 0;
        for (TopicPartition tp : sorted(offsets.keySet())) {
            topics[i] = tp.topic();
            partitions[i] = tp.partition();
            next[i] = offsets.get(tp);
            i++;
        }
        try (PreparedStatement ps = c.prepareStatement(upsertSql)) {
            ps.setString(1, groupId);
            ps.setArray(2, c.createArrayOf("varchar", topics));
            ps.setArray(3, c.createArrayOf("int4", partitions));
            ps.setArray(4, c.createArrayOf("int8", next));
            ps.executeUpdate();
        }
    }

    /** As {@link #read}, on a connection of its own, without locks. */
    public static Map<TopicPartition, Long> read(DbSettings db, String groupId, Collection<TopicPartition> partitions)
            throws SQLException {
        try (Connection c = Database.connect(db)) {
            return new SinkOffsets(db).read(c, groupId, partitions, false);
        }
    }

    /** Overwrites the stored positions (a replay), in one transaction of its own. */
    public static void rewrite(DbSettings db, String groupId, Map<TopicPartition, Long> offsets) throws SQLException {
        SinkOffsets store = new SinkOffsets(db);
        JdbcSession.once(db, c -> {
            store.store(c, groupId, offsets);
            return null;
        });
    }

    /** The order in which offset rows are locked and written. */
    public static List<TopicPartition> sorted(Collection<TopicPartition> partitions) {
        List<TopicPartition> ordered = new ArrayList<>(partitions);
        ordered.sort(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        return ordered;
    }
}
