package dev.hfc.campaign.send;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.topic.SegmenterMeta;
import dev.hfc.testkit.KafkaExtension;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The segmenter's position as the campaign reads it from a real broker: its group's committed offsets against the
 * ends of its inputs, and the re-segmentation and rebuild marks of its meta store's changelog.
 */
@Tag("no-database")
class SegmenterPositionIT {

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    @Test
    void currentOnlyWhenTheGroupHasReadItsInputsAndNoTaskReSegmentsOrRebuilds() throws Exception {
        String app = "segmenter-" + UUID.randomUUID();
        String input = app + "-input";
        String changelog = SegmenterMeta.changelog(app);
        KAFKA.admin()
                .createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(changelog, 2, (short) 1)))
                .all()
                .get();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                        Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
                        new StringSerializer(),
                        new StringSerializer());
                SegmenterPosition position = new SegmenterPosition(properties(), app, 5)) {
            assertThat(position.behind()).contains("has committed no offsets yet");
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(input, i % 2, "k" + i, "v")).get();
            }
            commit(app, input, 0, 0);
            assertThat(position.behind())
                    .contains("10 records of its inputs unread")
                    .contains("--max-segmenter-lag 5");
            commit(app, input, 3, 3);
            assertThat(position.behind()).as("4 left: within the bound").isNull();
            // A partition the group never committed on counts from its beginning.
            KAFKA.admin()
                    .createPartitions(Map.of(input, org.apache.kafka.clients.admin.NewPartitions.increaseTo(3)))
                    .all()
                    .get();
            for (int i = 0; i < 6; i++) {
                producer.send(new ProducerRecord<>(input, 2, "n" + i, "v")).get();
            }
            assertThat(position.behind()).contains("10 records of its inputs unread");
            KAFKA.admin()
                    .alterConsumerGroupOffsets(app, Map.of(new TopicPartition(input, 2), new OffsetAndMetadata(6)))
                    .all()
                    .get();
            assertThat(position.behind()).isNull();

            producer.send(new ProducerRecord<>(changelog, 1, SegmenterMeta.RESEGMENT, "fingerprint\n"))
                    .get();
            assertThat(position.behind()).contains("re-segmenting").contains("task 1");
            producer.send(new ProducerRecord<>(changelog, 1, SegmenterMeta.RESEGMENT, "fingerprint\nsome-customer"))
                    .get();
            assertThat(position.behind()).contains("re-segmenting");
            producer.send(new ProducerRecord<>(changelog, 1, SegmenterMeta.RESEGMENT, null))
                    .get(); // done
            assertThat(position.behind()).isNull();

            producer.send(new ProducerRecord<>(changelog, 0, SegmenterMeta.HISTORY, SegmenterMeta.REBUILDING))
                    .get();
            assertThat(position.behind()).contains("rebuilding").contains("task 0");
            producer.send(new ProducerRecord<>(changelog, 0, SegmenterMeta.HISTORY, SegmenterMeta.WHOLE))
                    .get();
            assertThat(position.behind()).isNull();
        }
    }

    @Test
    void aMissingChangelogIsNotCurrent() throws Exception {
        String app = "segmenter-" + UUID.randomUUID();
        String input = app + "-input";
        KAFKA.admin()
                .createTopics(List.of(new NewTopic(input, 2, (short) 1)))
                .all()
                .get();
        commit(app, input, 0, 0);
        try (SegmenterPosition position = new SegmenterPosition(properties(), app, 0)) {
            assertThat(position.behind()).contains(SegmenterMeta.changelog(app)).contains("does not exist");
        }
    }

    private static void commit(String group, String topic, long p0, long p1) throws Exception {
        KAFKA.admin()
                .alterConsumerGroupOffsets(
                        group,
                        Map.of(
                                new TopicPartition(topic, 0),
                                new OffsetAndMetadata(p0),
                                new TopicPartition(topic, 1),
                                new OffsetAndMetadata(p1)))
                .all()
                .get();
    }

    private static Properties properties() {
        Properties p = new Properties();
        p.put("bootstrap.servers", KAFKA.bootstrapServers());
        return p;
    }
}
