package dev.hfc.core.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.RejectedRecordException;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.common.header.Headers;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void defaultNamesAreTheSpecContract() {
        Topics t = Topics.withDefaultPrefix();
        assertThat(t.subscriptionEvents().name()).isEqualTo("hfc.subscription-events");
        assertThat(t.customers().name()).isEqualTo("hfc.customers");
        assertThat(t.customerSegments().name()).isEqualTo("hfc.customer-segments");
        assertThat(t.dlq().name()).isEqualTo("hfc.dlq");
        assertThat(t.all())
                .filteredOn(TopicSpec::compacted)
                .extracting(TopicSpec::name)
                .containsExactlyInAnyOrder("hfc.customers", "hfc.customer-segments");
    }

    @Test
    void prefixIsValidated() {
        assertThat(new Topics("test-42.").customers().name()).isEqualTo("test-42.customers");
        assertThatThrownBy(() -> new Topics("bad prefix")).hasMessageContaining("may only contain");
        assertThatThrownBy(() -> new Topics("x".repeat(240))).hasMessageContaining("249");
    }

    @Test
    void serdesRoundTripAndTombstonesStayNull() {
        var spec = Topics.withDefaultPrefix().customerSegments();
        var value = new CustomerSegment(
                UUID.randomUUID(), "a@b.co", Week.parse("2026-W49"), Segment.HIGH, 4, UUID.randomUUID(), 1L);
        byte[] bytes = spec.valueSerde().serializer().serialize(spec.name(), value);
        assertThat(spec.valueSerde().deserializer().deserialize(spec.name(), bytes))
                .isEqualTo(value);
        assertThat(spec.valueSerde().serializer().serialize(spec.name(), null)).isNull();
        assertThat(spec.valueSerde().deserializer().deserialize(spec.name(), null))
                .isNull();
        SegmentKey key = value.key();
        assertThat(spec.keySerde()
                        .deserializer()
                        .deserialize(spec.name(), spec.keySerde().serializer().serialize(spec.name(), key)))
                .isEqualTo(key);
    }

    @Test
    void deserializerThrowsTheTypedRejection() {
        var spec = Topics.withDefaultPrefix().subscriptionEvents();
        assertThatThrownBy(() ->
                        spec.valueSerde().deserializer().deserialize(spec.name(), "{".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        RejectedRecordException.class,
                        e -> assertThat(e.rejection().reason()).isEqualTo(RejectReason.MALFORMED_JSON));
    }

    @Test
    void deadLetterHeadersCarryReasonStageAndSource() {
        Headers h = DeadLetters.headers(
                "segmenter",
                new Rejection(RejectReason.INVALID_WEEK, "week '2025-W53' ..." + "x".repeat(5000)),
                "hfc.subscription-events",
                3,
                1234L);
        assertThat(DeadLetters.header(h, DeadLetters.REASON)).isEqualTo("invalid-week");
        assertThat(DeadLetters.header(h, DeadLetters.STAGE)).isEqualTo("segmenter");
        assertThat(DeadLetters.header(h, DeadLetters.SOURCE_TOPIC)).isEqualTo("hfc.subscription-events");
        assertThat(DeadLetters.header(h, DeadLetters.SOURCE_PARTITION)).isEqualTo("3");
        assertThat(DeadLetters.header(h, DeadLetters.SOURCE_OFFSET)).isEqualTo("1234");
        assertThat(DeadLetters.header(h, DeadLetters.DETAIL))
                .hasSizeLessThanOrEqualTo(DeadLetters.MAX_DETAIL_CHARS + 3);
    }
}
