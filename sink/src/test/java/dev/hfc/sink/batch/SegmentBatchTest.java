package dev.hfc.sink.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class SegmentBatchTest {

    private static SegmentBatch.Source src(int partition, long offset) {
        return new SegmentBatch.Source("t", partition, offset, 1000 + offset, null, null);
    }

    @Test
    void aRecordOlderThanOneAlreadyInTheBatchOfItsPartitionIsRefusedLoudly() {
        UUID user = UUID.randomUUID();
        SegmentKey key = new SegmentKey(Week.parse("2026-W49"), user);
        SegmentBatch batch = new SegmentBatch();
        batch.add(key, seg(user, Segment.HIGH), src(0, 160));
        batch.add(key, seg(user, Segment.LOW), src(1, 20)); // another partition: its own order
        batch.add(key, seg(user, Segment.HIGH), src(0, 163)); // a gap: a transaction marker took 161..162
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> batch.add(key, seg(user, Segment.LOW), src(0, 20)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("t-0@20")
                .hasMessageContaining("164");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> batch.refuse(src(0, 163), new Rejection(RejectReason.MALFORMED_JSON, "x")))
                .isInstanceOf(IllegalStateException.class);
        assertThat(batch.nextOffsets()).containsEntry(new TopicPartition("t", 0), 164L);
        assertThat(batch.entries())
                .singleElement()
                .satisfies(e -> assertThat(e.value().segment()).isEqualTo(Segment.HIGH));
    }

    @Test
    void theLastRecordOfAKeyWinsAndOffsetsAdvancePerPartition() {
        UUID user = UUID.randomUUID();
        SegmentKey key = new SegmentKey(Week.parse("2026-W49"), user);
        SegmentBatch batch = new SegmentBatch();
        batch.add(key, seg(user, Segment.LOW), src(0, 10));
        batch.add(new SegmentKey(Week.parse("2026-W50"), user), seg(user, Segment.LOW), src(1, 3));
        batch.add(key, seg(user, Segment.HIGH), src(0, 11));
        batch.add(key, null, src(0, 12));
        batch.add(key, seg(user, Segment.MEDIUM), src(0, 13));
        batch.refuse(src(2, 7), new Rejection(RejectReason.MALFORMED_JSON, "x"));

        assertThat(batch.records()).isEqualTo(6);
        assertThat(batch.entries()).hasSize(2);
        assertThat(batch.entries())
                .filteredOn(e -> e.key().equals(key))
                .singleElement()
                .satisfies(e -> assertThat(e.value().segment()).isEqualTo(Segment.MEDIUM));
        assertThat(batch.nextOffsets())
                .containsEntry(new TopicPartition("t", 0), 14L)
                .containsEntry(new TopicPartition("t", 1), 4L)
                .containsEntry(new TopicPartition("t", 2), 8L);
        assertThat(batch.maxTimestampMs()).isEqualTo(1013);

        batch.dropPartitions(Set.of(new TopicPartition("t", 0), new TopicPartition("t", 2)));
        assertThat(batch.entries()).extracting(e -> e.key().week().toString()).containsExactly("2026-W50");
        assertThat(batch.refused()).isEmpty();
        assertThat(batch.nextOffsets()).containsOnlyKeys(new TopicPartition("t", 1));
        assertThat(batch.records()).isEqualTo(1);
    }

    private static CustomerSegment seg(UUID user, Segment s) {
        return new CustomerSegment(user, "a@b.co", Week.parse("2026-W49"), s, 1, UUID.randomUUID(), 0);
    }
}
