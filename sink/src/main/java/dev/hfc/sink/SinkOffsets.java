package dev.hfc.sink;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** Reads and rewrites the sink's positions in {@code hfc_sink_offsets} (the writer stores them with rows). */
public final class SinkOffsets {

    private SinkOffsets() {}

    /** The stored next offsets of {@code partitions} for {@code groupId}; partitions never written are absent. */
    public static Map<TopicPartition, Long> read(DbSettings db, String groupId, Collection<TopicPartition> partitions)
            throws SQLException {
        Map<TopicPartition, Long> out = new HashMap<>();
        try (Connection c = Database.connect(db);
             PreparedStatement ps = c.prepareStatement("SELECT topic, partition, next_offset FROM "
                     + db.qualified("hfc_sink_offsets") + " WHERE group_id = ?")) {
            ps.setString(1, groupId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TopicPartition tp = new TopicPartition(rs.getString(1), rs.getInt(2));
                    if (partitions.contains(tp)) {
                        out.put(tp, rs.getLong(3));
                    }
                }
            }
        }
        return out;
    }

    /** Overwrites the stored positions (a replay). */
    public static void rewrite(DbSettings db, String groupId, Map<TopicPartition, Long> offsets) throws SQLException {
        try (Connection c = Database.connect(db);
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + db.qualified("hfc_sink_offsets")
                     + " (group_id, topic, partition, next_offset) VALUES (?, ?, ?, ?) "
                     + "ON CONFLICT (group_id, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()")) {
            c.setAutoCommit(false);
            for (Map.Entry<TopicPartition, Long> e : offsets.entrySet()) {
                ps.setString(1, groupId);
                ps.setString(2, e.getKey().topic());
                ps.setInt(3, e.getKey().partition());
                ps.setLong(4, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
            c.commit();
        }
    }
}
