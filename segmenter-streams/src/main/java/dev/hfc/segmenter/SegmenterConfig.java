package dev.hfc.segmenter;

import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.Topics;
import java.time.ZoneId;
import java.util.Objects;

/**
 * What the topology needs: topic names, the segmentation rule, the zone weeks are counted in, and the
 * partition count of the two (co-partitioned) inputs, against which every record's partition is checked.
 */
public record SegmenterConfig(Topics topics, SegmentPolicy policy, ZoneId zone, int inputPartitions) {
    public SegmenterConfig {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(zone, "zone");
        if (inputPartitions < 1) {
            throw new IllegalArgumentException("input partitions must be at least 1, got " + inputPartitions);
        }
    }

    /** A configuration for single-partition inputs; {@link SegmenterService#start} sets the real count. */
    public SegmenterConfig(Topics topics, SegmentPolicy policy, ZoneId zone) {
        this(topics, policy, zone, 1);
    }

    public SegmenterConfig withInputPartitions(int partitions) {
        return new SegmenterConfig(topics, policy, zone, partitions);
    }
}
