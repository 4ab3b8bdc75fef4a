package dev.hfc.sink.batch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.topic.DeadLetterPublisher;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * What becomes of each record a sink consumer polls, against Kafka's {@link MockProducer} and without
 * PostgreSQL: values and tombstones go into the batch, records that cannot be decoded are refused into it (their
 * offsets still move on), and refused records reach the dead-letter topic with their original bytes and why,
 * counted once Kafka has them.
 */
class BatchAssemblerTest {

    private static final Topics TOPICS = new Topics("t.");
    private static final String TOPIC = TOPICS.customerSegments().name();
    private static final Week WEEK = Week.parse("2026-W50");

    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final List<RejectReason> counted = new ArrayList<>();
    private final BatchAssembler assembler =
            new BatchAssembler(new DeadLetterPublisher(producer, TOPICS, "sink"), counted::add);

    @Test
    void valuesAndTombstonesGoIntoTheBatchAndUndecodableRecordsAreRefusedWithWhy() {
        CustomerSegment kept = segment("kept@example.com");
        CustomerSegment ended = segment("ended@example.com");
        CustomerSegment unexplained = segment("unexplained@example.com");
        CustomerSegment other = segment("other@example.com");
        assembler.add(record(0, kept.key().toBytes(), EventCodecs.CUSTOMER_SEGMENT.encode(kept)));
        ConsumerRecord<byte[], byte[]> tombstone = record(1, ended.key().toBytes(), null);
        tombstone.headers().add(EndReason.HEADER, EndReason.CANCELLED.bytes());
        assembler.add(tombstone);
        assembler.add(record(2, unexplained.key().toBytes(), null)); // a tombstone that does not say why
        assembler.add(record(3, bytes("not-a-key"), EventCodecs.CUSTOMER_SEGMENT.encode(kept)));
        assembler.add(record(4, kept.key().toBytes(), bytes("{\"schema_version\":1,")));
        assembler.add(record(5, kept.key().toBytes(), EventCodecs.CUSTOMER_SEGMENT.encode(other)));

        SegmentBatch batch = assembler.batch();
        List<SegmentBatch.Entry> entries = new ArrayList<>(batch.entries());
        assertThat(entries).hasSize(3);
        assertThat(entries.get(0).key()).isEqualTo(kept.key());
        assertThat(entries.get(0).value().email())
                .as("a refused record never replaces its key's value")
                .isEqualTo("kept@example.com");
        assertThat(entries.get(1).key()).isEqualTo(ended.key());
        assertThat(entries.get(1).isTombstone()).isTrue();
        assertThat(entries.get(1).endReason()).isEqualTo(EndReason.CANCELLED);
        assertThat(entries.get(2).key()).isEqualTo(unexplained.key());
        assertThat(entries.get(2).endReason()).isEqualTo(EndReason.UNKNOWN);
        assertThat(batch.refused())
                .extracting(r -> r.rejection().reason())
                .containsExactly(RejectReason.WRONG_TYPE, RejectReason.MALFORMED_JSON, RejectReason.KEY_MISMATCH);
        assertThat(batch.refused()).extracting(r -> r.source().offset()).containsExactly(3L, 4L, 5L);
        assertThat(batch.records()).isEqualTo(6);
        assertThat(batch.nextOffsets())
                .as("refused records move the offset on too")
                .containsEntry(new TopicPartition(TOPIC, 0), 6L);
        assertThat(producer.history())
                .as("nothing reaches the dead-letter topic before the batch is written")
                .isEmpty();
        assertThat(counted).isEmpty();
    }

    @Test
    void refusedRecordsReachTheDeadLetterTopicWithTheirBytesAndAreCountedOnceKafkaHasThem() throws Exception {
        CustomerSegment s = segment("s@example.com");
        byte[] badValue = bytes("{\"schema_version\":1,");
        byte[] badKey = bytes(WEEK + ":not-a-uuid");
        assembler.add(record(7, s.key().toBytes(), badValue));
        assembler.add(record(8, badKey, EventCodecs.CUSTOMER_SEGMENT.encode(s)));
        // As the writer hands them over: the batch's own refusals, then the rows PostgreSQL refused.
        List<SegmentBatch.Refused> refused = new ArrayList<>(assembler.batch().refused());
        refused.add(new SegmentBatch.Refused(
                new SegmentBatch.Source(TOPIC, 0, 9, 1_000L, s.key().toBytes(), EventCodecs.CUSTOMER_SEGMENT.encode(s)),
                new Rejection(RejectReason.REJECTED_BY_DATABASE, "no_blocked")));

        assembler.send(refused);

        assertThat(producer.history()).hasSize(3).allSatisfy(r -> {
            assertThat(r.topic()).isEqualTo(TOPICS.dlq().name());
            assertThat(DeadLetters.header(r.headers(), DeadLetters.STAGE)).isEqualTo("sink");
            assertThat(DeadLetters.header(r.headers(), DeadLetters.SOURCE_TOPIC))
                    .isEqualTo(TOPIC);
        });
        ProducerRecord<byte[], byte[]> malformed = producer.history().get(0);
        assertThat(malformed.key()).isEqualTo(s.key().toBytes());
        assertThat(malformed.value()).isEqualTo(badValue);
        assertThat(DeadLetters.header(malformed.headers(), DeadLetters.REASON)).isEqualTo("malformed-json");
        assertThat(DeadLetters.header(malformed.headers(), DeadLetters.SOURCE_OFFSET))
                .isEqualTo("7");
        assertThat(producer.history().get(1).key()).isEqualTo(badKey);
        assertThat(DeadLetters.header(producer.history().get(1).headers(), DeadLetters.REASON))
                .isEqualTo("invalid-user-id");
        assertThat(DeadLetters.header(producer.history().get(2).headers(), DeadLetters.DETAIL))
                .isEqualTo("no_blocked");
        assertThat(counted)
                .containsExactly(
                        RejectReason.MALFORMED_JSON, RejectReason.INVALID_USER_ID, RejectReason.REJECTED_BY_DATABASE);
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, byte[] key, byte[] value) {
        return new ConsumerRecord<>(TOPIC, 0, offset, key, value);
    }

    private static CustomerSegment segment(String email) {
        return new CustomerSegment(UUID.randomUUID(), email, WEEK, Segment.LOW, 1, UUID.randomUUID(), 0L);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
