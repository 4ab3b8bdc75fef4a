package dev.hfc.sink.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.sink.SinkMetrics;
import dev.hfc.sink.batch.SegmentBatch;
import dev.hfc.sink.offset.SinkOffsets;
import dev.hfc.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
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
        try (CopyBatchWriter owner = new CopyBatchWriter(db, "g", metrics());
                CopyBatchWriter zombie = new CopyBatchWriter(db, "g", metrics())) {
            Map<TopicPartition, Long> ownerView = new HashMap<>();
            Map<TopicPartition, Long> zombieView = new HashMap<>();
            owner.write(batch(0, 2), ownerView, refused -> {});
            ownerView.put(TP, 2L);
            // The zombie still believes nothing was stored, and tries to write the same records.
            assertThatThrownBy(() -> zombie.write(batch(0, 2), zombieView, refused -> {}))
                    .isInstanceOf(CopyBatchWriter.PositionMovedException.class)
                    .hasMessageContaining("stored offset of segments-0 is 2, expected null");
            owner.write(batch(2, 3), ownerView, refused -> {});
            assertThat(SinkOffsets.read(db, "g", List.of(TP))).containsEntry(TP, 5L);
        }
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM rec_campaigns_weekly")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(5);
        }
    }

    @Test
    void aTombstonesEndReasonIsRecordedAsTheTargetsOutcomeAndASentRowStaysAsItWas() throws Exception {
        DbSettings db = POSTGRES.db("outcomes");
        SchemaMigrator.migrate(db, false);
        Week week = Week.parse("2026-W49");
        UUID sent = UUID.randomUUID();
        UUID unsent = UUID.randomUUID();
        UUID cancelled = UUID.randomUUID();
        UUID neverRow = UUID.randomUUID();
        try (CopyBatchWriter writer = new CopyBatchWriter(db, "g", metrics())) {
            SegmentBatch first = new SegmentBatch();
            long offset = 0;
            for (UUID u : List.of(sent, unsent, cancelled)) {
                CustomerSegment s =
                        new CustomerSegment(u, "x@example.com", week, Segment.MEDIUM, 2, UUID.randomUUID(), 0L);
                first.add(s.key(), s, source(offset++, 1_000L));
            }
            writer.write(first, refused -> {});
            sql(db, "UPDATE rec_campaigns_weekly SET campaign_sent = true WHERE user_id = '" + sent + "'");
            String sentRow = query(
                    db,
                    "SELECT id || email || segment || pause_weeks || subscription_id FROM rec_campaigns_weekly "
                            + "WHERE user_id = '" + sent + "'");

            SegmentBatch ends = new SegmentBatch();
            ends.tombstone(
                    new dev.hfc.core.event.SegmentKey(week, sent),
                    EndReason.RESUMED,
                    source(offset++, 1_764_000_000_000L));
            ends.tombstone(
                    new dev.hfc.core.event.SegmentKey(week, unsent),
                    EndReason.RESUMED,
                    source(offset++, 1_764_000_001_000L));
            ends.tombstone(
                    new dev.hfc.core.event.SegmentKey(week, cancelled),
                    EndReason.CANCELLED,
                    source(offset++, 1_764_000_002_000L));
            ends.tombstone(
                    new dev.hfc.core.event.SegmentKey(week, neverRow),
                    EndReason.RESUMED,
                    source(offset++, 1_764_000_003_000L));
            writer.write(ends, refused -> {});

            assertThat(
                            query(
                                    db,
                                    "SELECT string_agg(user_id || ' ' || segment || ' ' || outcome || ' ' "
                                            + "|| extract(epoch FROM outcome_at)::bigint, ',' ORDER BY outcome_at) FROM hfc_campaign_outcomes"))
                    .isEqualTo(sent + " medium resumed 1764000000," + unsent + " medium resumed 1764000001," + cancelled
                            + " medium cancelled 1764000002");
            assertThat(query(db, "SELECT string_agg(user_id::text, ',') FROM rec_campaigns_weekly"))
                    .isEqualTo(sent.toString());
            assertThat(query(
                            db,
                            "SELECT id || email || segment || pause_weeks || subscription_id FROM rec_campaigns_weekly "
                                    + "WHERE user_id = '" + sent + "'"))
                    .as("the sent row is history")
                    .isEqualTo(sentRow);

            // Paused again: a target again, so no outcome until it ends again.
            SegmentBatch again = new SegmentBatch();
            CustomerSegment back =
                    new CustomerSegment(unsent, "x@example.com", week, Segment.LOW, 1, UUID.randomUUID(), 0L);
            again.add(back.key(), back, source(offset, 1_764_000_009_000L));
            writer.write(again, refused -> {});
            assertThat(
                            query(
                                    db,
                                    "SELECT string_agg(user_id::text || ' ' || outcome, ',' ORDER BY outcome_at) FROM hfc_campaign_outcomes"))
                    .isEqualTo(sent + " resumed," + cancelled + " cancelled");
        }
    }

    @Test
    void everyCommittedWriteRecordsEachPhaseThatRanOnce() throws Exception {
        DbSettings db = POSTGRES.db("phases");
        SchemaMigrator.migrate(db, false);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CopyBatchWriter writer = new CopyBatchWriter(db, "g", new SinkMetrics(registry))) {
            CopyBatchWriter.Result fresh = writer.write(batch(0, 3), refused -> {});
            assertThat(fresh.direct()).isTrue();
            assertThat(phaseCounts(registry)).as("copy, upsert, other, commit").containsExactly(1L, 0L, 1L, 1L);

            CopyBatchWriter.Result again = writer.write(batch(0, 3), refused -> {}); // same keys, new values
            assertThat(again.direct()).isFalse();
            assertThat(phaseCounts(registry)).as("copy, upsert, other, commit").containsExactly(2L, 1L, 2L, 2L);

            assertThatThrownBy(() -> writer.write(batch(0, 3), Map.of(TP, 99L), refused -> {}))
                    .isInstanceOf(CopyBatchWriter.PositionMovedException.class);
            assertThat(phaseCounts(registry))
                    .as("a write that rolled back records nothing")
                    .containsExactly(2L, 1L, 2L, 2L);
        }
        assertThat(registry.get("hfc.sink.write.phase")
                        .tag("phase", "upsert")
                        .timer()
                        .totalTime(java.util.concurrent.TimeUnit.NANOSECONDS))
                .isPositive();
    }

    @Test
    void deadLettersKafkaDidNotTakeCommitNothingAndAreTheirOwnFailure() throws Exception {
        DbSettings db = POSTGRES.db("dead_letters");
        SchemaMigrator.migrate(db, false);
        String rows = "SELECT count(*) FROM rec_campaigns_weekly";
        try (CopyBatchWriter writer = new CopyBatchWriter(db, "g", metrics())) {
            assertThatThrownBy(() -> writer.write(withOneRefused(), null, refused -> {
                        throw new IllegalStateException("broker unreachable");
                    }))
                    .isInstanceOf(CopyBatchWriter.DeadLettersNotWrittenException.class)
                    .hasMessageContaining("1 dead-letter record(s) could not be written")
                    .hasRootCauseMessage("broker unreachable");
            assertThat(query(db, rows)).isEqualTo("0");
            assertThat(SinkOffsets.read(db, "g", List.of(TP))).isEmpty();

            assertThatThrownBy(() -> writer.write(withOneRefused(), null, refused -> {
                        throw new InterruptedException("stopping");
                    }))
                    .isInstanceOf(SQLException.class)
                    .isNotInstanceOf(CopyBatchWriter.DeadLettersNotWrittenException.class)
                    .hasMessageContaining("interrupted");
            assertThat(Thread.interrupted())
                    .as("the interrupt is kept for the caller")
                    .isTrue();
            assertThat(query(db, rows)).isEqualTo("0");

            List<SegmentBatch.Refused> taken = new ArrayList<>();
            writer.write(withOneRefused(), null, taken::addAll);
            assertThat(taken).hasSize(1);
            assertThat(query(db, rows)).isEqualTo("2");
            assertThat(SinkOffsets.read(db, "g", List.of(TP))).containsEntry(TP, 3L);
        }
    }

    /** Two segments (offsets 0 and 1) and a malformed record at offset 2. */
    private static SegmentBatch withOneRefused() {
        SegmentBatch b = batch(0, 2);
        b.refuse(source(2, 1_000L), new Rejection(RejectReason.MALFORMED_JSON, "not JSON"));
        return b;
    }

    /** The counts of the {@code hfc.sink.write.phase} timers of copy, upsert, other and commit, as served. */
    private static List<Long> phaseCounts(SimpleMeterRegistry registry) {
        return Stream.of("copy", "upsert", "other", "commit")
                .map(phase -> registry.get("hfc.sink.write.phase")
                        .tag("phase", phase)
                        .timer()
                        .count())
                .toList();
    }

    private static SinkMetrics metrics() {
        return new SinkMetrics(new SimpleMeterRegistry());
    }

    private static SegmentBatch.Source source(long offset, long timestampMs) {
        return new SegmentBatch.Source(TP.topic(), TP.partition(), offset, timestampMs, null, null);
    }

    private static void sql(DbSettings db, String sql) throws Exception {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String query(DbSettings db, String sql) throws Exception {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static SegmentBatch batch(long firstOffset, int n) {
        SegmentBatch b = new SegmentBatch();
        for (int i = 0; i < n; i++) {
            UUID user = UUID.nameUUIDFromBytes(("u" + (firstOffset + i)).getBytes());
            CustomerSegment s = new CustomerSegment(
                    user, "u@example.com", Week.parse("2026-W49"), Segment.LOW, 1, UUID.randomUUID(), 0L);
            b.add(s.key(), s, new SegmentBatch.Source(TP.topic(), TP.partition(), firstOffset + i, 0L, null, null));
        }
        return b;
    }
}
