package dev.hfc.core.topic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class DeadLetterPublisherTest {

    private static final Topics TOPICS = new Topics("t.");
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final DeadLetterPublisher publisher = new DeadLetterPublisher(producer, TOPICS, "sink");

    @Test
    void aRecordFromATopicKeepsItsBytesTimestampAndSourcePosition() throws Exception {
        byte[] key = {1, 2};
        byte[] value = "{\"x\":".getBytes(StandardCharsets.UTF_8);
        publisher
                .publish(
                        new Rejection(RejectReason.MALFORMED_JSON, "unexpected end"),
                        "t.customer-segments",
                        4,
                        1234L,
                        99L,
                        key,
                        value)
                .get();

        ProducerRecord<byte[], byte[]> r = producer.history().get(0);
        assertThat(r.topic()).isEqualTo(TOPICS.dlq().name());
        assertThat(r.key()).isEqualTo(key);
        assertThat(r.value()).isEqualTo(value);
        assertThat(r.timestamp()).isEqualTo(99L);
        assertThat(DeadLetters.header(r.headers(), DeadLetters.REASON)).isEqualTo(RejectReason.MALFORMED_JSON.code());
        assertThat(DeadLetters.header(r.headers(), DeadLetters.DETAIL)).isEqualTo("unexpected end");
        assertThat(DeadLetters.header(r.headers(), DeadLetters.STAGE)).isEqualTo("sink");
        assertThat(DeadLetters.header(r.headers(), DeadLetters.SOURCE_TOPIC)).isEqualTo("t.customer-segments");
        assertThat(DeadLetters.header(r.headers(), DeadLetters.SOURCE_PARTITION))
                .isEqualTo("4");
        assertThat(DeadLetters.header(r.headers(), DeadLetters.SOURCE_OFFSET)).isEqualTo("1234");
    }

    @Test
    void anUnknownTimestampIsLeftToTheBrokerAndASourceOutsideKafkaHasNoPosition() throws Exception {
        publisher
                .publish(
                        new Rejection(RejectReason.INVALID_WEEK, "2026-W54"),
                        "t.customers",
                        0,
                        7L,
                        -1L,
                        null,
                        new byte[] {3})
                .get();
        publisher
                .publish(
                        new Rejection(RejectReason.INVALID_WEEK, "2026-W54"),
                        "postgres:public.subscription",
                        null,
                        new byte[] {4})
                .get();

        assertThat(producer.history().get(0).timestamp()).isNull();
        ProducerRecord<byte[], byte[]> fromTable = producer.history().get(1);
        assertThat(DeadLetters.header(fromTable.headers(), DeadLetters.SOURCE_TOPIC))
                .isEqualTo("postgres:public.subscription");
        assertThat(fromTable.headers().lastHeader(DeadLetters.SOURCE_PARTITION)).isNull();
        assertThat(fromTable.headers().lastHeader(DeadLetters.SOURCE_OFFSET)).isNull();
    }
}
