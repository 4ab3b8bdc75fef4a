package dev.hfc.sink.batch;

import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EndReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.event.SegmentKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The records gathered for one transaction: per key only the last record counts (an upsert or a
 * tombstone), so the upsert never sees a key twice; the next offset of every partition the records came
 * from; and the records refused before they reached the batch (for the dead-letter topic).
 */
public final class SegmentBatch {

    /**
     * What the batch holds for one key: the latest value (null for a tombstone, which then says why the target
     * ended) and where it came from.
     */
    public record Entry(SegmentKey key, CustomerSegment value, EndReason endReason, Source source) {
        public boolean isTombstone() {
            return value == null;
        }
    }

    /** Where a record came from, with its original bytes (for the DLQ if Postgres refuses it). */
    public record Source(String topic, int partition, long offset, long timestampMs, byte[] key, byte[] value) {}

    /** A record that cannot be written, and why. */
    public record Refused(Source source, Rejection rejection) {}

    private final LinkedHashMap<SegmentKey, Entry> latest = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
    private final List<Refused> refused = new ArrayList<>();
    private int records;
    private long firstAddedNanos;
    private long maxTimestampMs = Long.MIN_VALUE;

    /**
     * Adds a valid record; a later record of the same key replaces an earlier one. A null value is a tombstone
     * that did not say why ({@link EndReason#UNKNOWN}).
     */
    public void add(SegmentKey key, CustomerSegment value, Source source) {
        put(new Entry(key, value, value == null ? EndReason.UNKNOWN : null, source));
    }

    /** Adds a tombstone: {@code key} is no longer a target, for {@code reason}. */
    public void tombstone(SegmentKey key, EndReason reason, Source source) {
        put(new Entry(key, null, java.util.Objects.requireNonNull(reason, "reason"), source));
    }

    private void put(Entry entry) {
        checkOrder(entry.source());
        latest.remove(entry.key()); // keep insertion order = order of the latest record
        latest.put(entry.key(), entry);
        advance(entry.source());
    }

    /** Adds a record refused before the database (malformed); its offset still moves on. */
    public void refuse(Source source, Rejection rejection) {
        checkOrder(source);
        refused.add(new Refused(source, rejection));
        advance(source);
    }

    /**
     * Offsets of a partition must rise within a batch: a record older than one already in it comes from a
     * read before a seek, and would replace a newer value of its key and let the stored offset jump past
     * records never applied. (They need not be consecutive: transaction markers take offsets too.)
     */
    private void checkOrder(Source source) {
        Long next = nextOffsets.get(new TopicPartition(source.topic(), source.partition()));
        if (next != null && source.offset() < next) {
            throw new IllegalStateException("record " + source.topic() + "-" + source.partition() + "@"
                    + source.offset() + " is older than the batch's position " + next
                    + " in that partition: offsets within a batch must rise");
        }
    }

    private void advance(Source source) {
        TopicPartition tp = new TopicPartition(source.topic(), source.partition());
        if (records == 0) {
            firstAddedNanos = System.nanoTime();
        }
        records++;
        nextOffsets.put(tp, source.offset() + 1);
        maxTimestampMs = Math.max(maxTimestampMs, source.timestampMs());
    }

    public Collection<Entry> entries() {
        return Collections.unmodifiableCollection(latest.values());
    }

    public List<Refused> refused() {
        return Collections.unmodifiableList(refused);
    }

    public Map<TopicPartition, Long> nextOffsets() {
        return Collections.unmodifiableMap(nextOffsets);
    }

    /** Records added (including replaced and refused ones): what closes a batch by size. */
    public int records() {
        return records;
    }

    public boolean isEmpty() {
        return records == 0;
    }

    /** Nanos since the first record was added, for closing a batch by time. */
    public long ageNanos() {
        return records == 0 ? 0 : System.nanoTime() - firstAddedNanos;
    }

    /** Latest record timestamp in the batch (for the lag-in-seconds metric). */
    public long maxTimestampMs() {
        return maxTimestampMs;
    }

    /** Removes everything that came from {@code partitions} (revoked or lost before being written). */
    public void dropPartitions(Set<TopicPartition> partitions) {
        latest.values()
                .removeIf(e -> partitions.contains(
                        new TopicPartition(e.source().topic(), e.source().partition())));
        refused.removeIf(r -> partitions.contains(
                new TopicPartition(r.source().topic(), r.source().partition())));
        nextOffsets.keySet().removeAll(partitions);
        records = latest.size() + refused.size();
    }

    public void clear() {
        latest.clear();
        nextOffsets.clear();
        refused.clear();
        records = 0;
        maxTimestampMs = Long.MIN_VALUE;
    }
}
