package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.topic.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.junit.jupiter.api.Test;

class DeadLetterDeserializationHandlerTest {

    @Test
    void resumesWithTheOriginalBytesAndTheReasonInHeaders() {
        var metrics = new SegmenterMetrics(new SimpleMeterRegistry());
        var handler = new DeadLetterDeserializationHandler();
        handler.configure(Map.of(
                DeadLetterDeserializationHandler.DLQ_TOPIC_CONFIG,
                "x.dlq",
                DeadLetterDeserializationHandler.METRICS_CONFIG,
                metrics));
        byte[] key = "k".getBytes(StandardCharsets.UTF_8);
        byte[] value = "{\"schema_version\":1,\"user_id\":".getBytes(StandardCharsets.UTF_8);
        var record = new ConsumerRecord<>("x.subscription-events", 2, 41L, key, value);
        Exception cause;
        try {
            EventCodecs.SUBSCRIPTION_EVENT.decode(value).orThrow();
            throw new AssertionError("expected a rejection");
        } catch (RuntimeException e) {
            cause = e;
        }

        var response = handler.handleError(null, record, cause);

        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(dead -> {
            assertThat(dead.topic()).isEqualTo("x.dlq");
            assertThat(dead.key()).isEqualTo(key);
            assertThat(dead.value()).isEqualTo(value);
            assertThat(DeadLetters.header(dead.headers(), DeadLetters.REASON)).isEqualTo("malformed-json");
            assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_TOPIC))
                    .isEqualTo("x.subscription-events");
            assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_PARTITION))
                    .isEqualTo("2");
            assertThat(DeadLetters.header(dead.headers(), DeadLetters.SOURCE_OFFSET))
                    .isEqualTo("41");
        });
        assertThat(metrics.deadLettered()).isEqualTo(1);

        var other = handler.handleError(null, record, new SerializationException("bad key bytes"));
        assertThat(DeadLetters.header(other.deadLetterQueueRecords().get(0).headers(), DeadLetters.DETAIL))
                .contains("bad key bytes");
    }

    @Test
    void itsStreamsPropertiesInstallItForTheCatalogsDeadLetterTopic() {
        var metrics = new SegmenterMetrics(new SimpleMeterRegistry());
        Map<String, Object> props = DeadLetterDeserializationHandler.streamsProperties(new Topics("x."), metrics);
        assertThat(props)
                .containsEntry(
                        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                        DeadLetterDeserializationHandler.class);
        var handler = new DeadLetterDeserializationHandler();
        handler.configure(props);
        var record = new ConsumerRecord<>("x.customers", 0, 7L, new byte[] {'k'}, new byte[] {'{'});

        var response = handler.handleError(null, record, new SerializationException("bad value bytes"));

        assertThat(response.deadLetterQueueRecords())
                .singleElement()
                .satisfies(dead -> assertThat(dead.topic()).isEqualTo("x.dlq"));
        assertThat(metrics.deadLettered()).isEqualTo(1);
    }

    @Test
    void refusesToStartWithoutADeadLetterTopic() {
        assertThatThrownBy(() -> new DeadLetterDeserializationHandler().configure(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hfc.dlq.topic");
    }
}
