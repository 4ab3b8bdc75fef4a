package dev.hfc.core.topic;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

/** The offsets a replay starts from, per partition, as Kafka resolves a {@link ReplayPoint}. */
public final class OffsetRewind {

    private OffsetRewind() {}

    /**
     * For every partition of {@code topics}: the earliest offset, or the offset of the first record at or
     * after the instant (the end of the partition when there is none).
     */
    public static Map<TopicPartition, Long> offsetsAt(Admin admin, Collection<String> topics, ReplayPoint point) {
        try {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            Map<TopicPartition, OffsetSpec> ends = new HashMap<>();
            admin.describeTopics(topics)
                    .allTopicNames()
                    .get()
                    .forEach((name, description) -> description.partitions().forEach(p -> {
                        TopicPartition tp = new TopicPartition(name, p.partition());
                        request.put(
                                tp,
                                point.isEarliest()
                                        ? OffsetSpec.earliest()
                                        : OffsetSpec.forTimestamp(point.from().toEpochMilli()));
                        ends.put(tp, OffsetSpec.latest());
                    }));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> found =
                    admin.listOffsets(request).all().get();
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end =
                    admin.listOffsets(ends).all().get();
            Map<TopicPartition, Long> offsets = new HashMap<>();
            found.forEach((tp, info) -> offsets.put(
                    tp, info.offset() >= 0 ? info.offset() : end.get(tp).offset()));
            return offsets;
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot look up offsets of " + topics + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking up offsets", e);
        }
    }
}
