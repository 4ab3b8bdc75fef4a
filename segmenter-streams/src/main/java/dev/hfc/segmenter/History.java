package dev.hfc.segmenter;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the segmenter found about its input's history when it started (README, Rebuild): the partitions of
 * {@code subscription-events} whose earlier records are gone (log start offset past 0) while this application
 * had not read them, and the seed topic holding, per customer, what is published in
 * {@code customer-segments}, with its end offset per partition. A task of such a partition that starts with
 * no state holds its output until it has read a snapshot of all customers whole, then publishes what differs
 * from the seed.
 */
public record History(Set<Integer> partial, String seedTopic, Map<Integer, Long> seedEnds) {

    /** Every input partition holds its whole history (or the application has state for it); no seed topic. */
    public static final History WHOLE = new History(Set.of(), null, Map.of());

    public History {
        partial = Set.copyOf(partial);
        seedEnds = Map.copyOf(seedEnds);
        if (seedTopic == null && !seedEnds.isEmpty()) {
            throw new IllegalArgumentException("seed end offsets without a seed topic");
        }
    }

    public static History whole(String seedTopic) {
        return new History(Set.of(), Objects.requireNonNull(seedTopic, "seedTopic"), Map.of());
    }

    boolean partial(int partition) {
        return partial.contains(partition);
    }

    /** The seed's end offset in {@code partition}: a rebuilding task has read it whole once past it. */
    long seedEnd(int partition) {
        return seedEnds.getOrDefault(partition, 0L);
    }
}
