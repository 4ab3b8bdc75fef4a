package dev.hfc.segmenter;

import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A task's bookkeeping in its (changelogged) meta store, so that a restart or a move to another instance
 * carries on: the policy its output was computed under, a re-segmentation's position and the policy it runs
 * under, and whether the task's input history is whole or it is rebuilding from a snapshot.
 */
final class TaskMeta {

    /** The fingerprint of the policy the task's published output was computed under. */
    static final String POLICY = "policy";
    /** A re-segmentation in progress: the fingerprint it runs under, a newline, the last customer done. */
    static final String RESEGMENT = dev.hfc.core.topic.SegmenterMeta.RESEGMENT;
    /** A re-segmentation cursor of an earlier version, without the policy it belonged to. */
    static final String LEGACY_CURSOR = dev.hfc.core.topic.SegmenterMeta.LEGACY_CURSOR;
    /** {@link #WHOLE} or {@link #REBUILDING}. */
    static final String HISTORY = dev.hfc.core.topic.SegmenterMeta.HISTORY;
    /** While rebuilding: the id of the snapshot whose beginning the task read. */
    static final String REBUILD_BEGIN = "rebuild-begin";
    /** While rebuilding: the id of the snapshot the task read whole (begin and end). */
    static final String REBUILD_READY = "rebuild-ready";
    /** While rebuilding: present once the seed's end record was read. */
    static final String SEED_DONE = "seed-done";
    /** While rebuilding: the offset of the last customers record read. */
    static final String CUSTOMERS_OFFSET = "customers-offset";

    static final String WHOLE = dev.hfc.core.topic.SegmenterMeta.WHOLE;
    static final String REBUILDING = dev.hfc.core.topic.SegmenterMeta.REBUILDING;

    /** A re-segmentation's position: the policy it runs under and the last customer done (null: none yet). */
    record Resegment(String fingerprint, String after) {}

    private final KeyValueStore<String, String> store;

    TaskMeta(KeyValueStore<String, String> store) {
        this.store = store;
    }

    String get(String key) {
        return store.get(key);
    }

    void put(String key, String value) {
        store.put(key, value);
    }

    void delete(String key) {
        store.delete(key);
    }

    boolean rebuilding() {
        return REBUILDING.equals(store.get(HISTORY));
    }

    /** The re-segmentation in progress; one of an earlier version (no policy recorded) has fingerprint null. */
    Resegment resegment() {
        String r = store.get(RESEGMENT);
        if (r != null) {
            int nl = r.indexOf('\n');
            String after = r.substring(nl + 1);
            return new Resegment(r.substring(0, nl), after.isEmpty() ? null : after);
        }
        String legacy = store.get(LEGACY_CURSOR);
        return legacy == null ? null : new Resegment(null, legacy);
    }

    void resegmentAt(String fingerprint, String after) {
        store.put(RESEGMENT, fingerprint + "\n" + (after == null ? "" : after));
        store.delete(LEGACY_CURSOR);
    }

    void resegmentDone(String fingerprint) {
        store.delete(RESEGMENT);
        store.delete(LEGACY_CURSOR);
        store.put(POLICY, fingerprint);
    }

    long customersOffset() {
        String s = store.get(CUSTOMERS_OFFSET);
        return s == null ? -1 : Long.parseLong(s);
    }
}
