package dev.hfc.sink.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.sink.offset.SinkOffsets;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.testkit.PostgresExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CopyBatchWriterIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final TopicPartition TP = new TopicPartition("segments", 0);

    @Test
    void aWriterWhosePositionWasMovedWritesNothing() throws Exception {
        DbSettings db = POSTGRES.db("fence");
        SchemaMigrator.migrate(db, false);
        try (CopyBatchWriter owner = new CopyBatchWriter(db, "g", CopyFormat.BINARY);
             CopyBatchWriter zombie = new CopyBatchWriter(db, "g", CopyFormat.BINARY)) {
            Map<TopicPartition, Long> ownerView = new HashMap<>();
            Map<TopicPartition, Long> zombieView = new HashMap<>();
            owner.write(batch(0, 2), ownerView, refused -> { });
            ownerView.put(TP, 2L);
            // The zombie still believes nothing was stored, and tries to write the same records.
            assertThatThrownBy(() -> zombie.write(batch(0, 2), zombieView, refused -> { }))
                    .isInstanceOf(CopyBatchWriter.PositionMovedException.class)
                    .hasMessageContaining("stored offset of segments-0 is 2, expected null");
            owner.write(batch(2, 3), ownerView, refused -> { });
            assertThat(SinkOffsets.read(db, "g", List.of(TP))).containsEntry(TP, 5L);
        }
        try (Connection c = Database.connect(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM rec_campaigns_weekly")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(5);
        }
    }

    private static SegmentBatch batch(long firstOffset, int n) {
        SegmentBatch b = new SegmentBatch();
        for (int i = 0; i < n; i++) {
            UUID user = UUID.nameUUIDFromBytes(("u" + (firstOffset + i)).getBytes());
            CustomerSegment s = new CustomerSegment(user, "u@example.com", Week.parse("2026-W49"), Segment.LOW, 1,
                    UUID.randomUUID(), 0L);
            b.add(s.key(), s, new SegmentBatch.Source(TP.topic(), TP.partition(), firstOffset + i, 0L, null, null));
        }
        return b;
    }
}
