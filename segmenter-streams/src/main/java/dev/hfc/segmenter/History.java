package dev.hfc.segmenter;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the segmenter found about its input's history when it started (README, Rebuild): the partitions of
 * {@code subscription-events} whose earlier records are gone (log start offset past 0) while this application
 * had not read them, and the seed topic holding, per customer, what is published in
 * {@code customer-segments} (each partition of it closed by an end record, {@link #SEED_END_KEY}), and the end
 * offsets of {@code customers} at start. A task of such a partition that starts with no state holds its output
 * until it has read a snapshot of all customers whole, its seed to the end record and its customers to where
 * they ended at start, then publishes what differs from the seed.
 */
public record History(Set<Integer> partial, String seedTopic, Map<Integer, Long> customersEnds) {

    /** The key of the record that closes a partition of the seed, once the copy into it is whole. */
    public static final String SEED_END_KEY = "hfc.seed-end";

    /** Every input partition holds its whole history (or the application has state for it); no seed topic. */
    public static final History WHOLE = new History(Set.of(), null, Map.of());

    public History {
        partial = Set.copyOf(partial);
        customersEnds = Map.copyOf(customersEnds);
    }

    public static History whole(String seedTopic) {
        return new History(Set.of(), Objects.requireNonNull(seedTopic, "seedTopic"), Map.of());
    }

    boolean partial(int partition) {
        return partial.contains(partition);
    }

    /** Where {@code customers} ended in {@code partition} at start: a rebuilding task reads at least that far. */
    long customersEnd(int partition) {
        return customersEnds.getOrDefault(partition, 0L);
    }
}
