package dev.hfc.segmenter;

import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.topic.Topics;
import java.time.ZoneId;
import java.util.Objects;

/** What the topology needs: topic names, the segmentation rule, and the zone weeks are counted in. */
public record SegmenterConfig(Topics topics, SegmentPolicy policy, ZoneId zone) {
    public SegmenterConfig {
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(zone, "zone");
    }
}
