package dev.hfc.segmenter;

import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.Topics;
import java.time.ZoneId;
import java.util.Objects;

/**
 * What the topology needs: topic names, the segmentation rule, the zone weeks are counted in, and the
 * partition count of the two (co-partitioned) inputs, against which every record's partition is checked, and
 * what was found at start about the inputs' history ({@link History}).
 */
public record SegmenterConfig(Topics topics, SegmentPolicy policy, ZoneId zone, int inputPartitions, History history) {
    public SegmenterConfig {
        Objects.requireNonNull(history, "history");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(zone, "zone");
        if (inputPartitions < 1) {
            throw new IllegalArgumentException("input partitions must be at least 1, got " + inputPartitions);
        }
    }

    /** A configuration for single-partition inputs; {@link SegmenterService#start} sets the real count. */
    public SegmenterConfig(Topics topics, SegmentPolicy policy, ZoneId zone) {
        this(topics, policy, zone, 1, History.WHOLE);
    }

    /** A configuration for inputs of {@code partitions} partitions whose history is whole. */
    public SegmenterConfig(Topics topics, SegmentPolicy policy, ZoneId zone, int partitions) {
        this(topics, policy, zone, partitions, History.WHOLE);
    }

    public SegmenterConfig withInputPartitions(int partitions) {
        return new SegmenterConfig(topics, policy, zone, partitions, history);
    }

    public SegmenterConfig withHistory(History h) {
        return new SegmenterConfig(topics, policy, zone, inputPartitions, h);
    }
}
