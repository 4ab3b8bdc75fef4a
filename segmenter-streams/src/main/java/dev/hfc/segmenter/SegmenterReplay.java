package dev.hfc.segmenter;

import dev.hfc.core.topic.OffsetRewind;
import dev.hfc.core.topic.ReplayPoint;
import dev.hfc.core.topic.Topics;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hfc replay segmenter}: rewinds the segmenter's input positions (its consumer group, which is the
 * application id) to a point, while the segmenter is stopped. On its next start it re-applies every input
 * record from there.
 *
 * <p>The state store is kept. Every input is an idempotent upsert of one (user, week) row or customer row,
 * so re-applying a stretch of them ends in the same state and the compacted {@code hfc.customer-segments}
 * converges to the same current values; while the replay runs, a key may briefly show an older value.
 */
public final class SegmenterReplay {

    private static final Logger LOG = LoggerFactory.getLogger(SegmenterReplay.class);

    private SegmenterReplay() {}

    /** Returns the new positions; refuses while any member of the group is running. */
    public static Map<TopicPartition, Long> rewind(
            Admin admin, String applicationId, Topics topics, ReplayPoint point) {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(applicationId))
                    .describedGroups()
                    .get(applicationId)
                    .get();
            if (!group.members().isEmpty()
                    || group.groupState() == GroupState.STABLE
                    || group.groupState() == GroupState.PREPARING_REBALANCE
                    || group.groupState() == GroupState.COMPLETING_REBALANCE) {
                throw new IllegalStateException("the segmenter '" + applicationId + "' is running ("
                        + group.members().size() + " member(s), group " + group.groupState()
                        + "): stop every instance before a replay");
            }
            Map<TopicPartition, Long> offsets = OffsetRewind.offsetsAt(
                    admin,
                    List.of(
                            topics.subscriptionEvents().name(),
                            topics.customers().name()),
                    point);
            admin.alterConsumerGroupOffsets(
                            applicationId,
                            offsets.entrySet().stream()
                                    .collect(Collectors.toMap(
                                            Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue()))))
                    .all()
                    .get();
            LOG.info("segmenter '{}' rewound to {}: {}", applicationId, point, offsets);
            return offsets;
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot rewind the segmenter '" + applicationId + "': "
                            + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the replay", e);
        }
    }
}
