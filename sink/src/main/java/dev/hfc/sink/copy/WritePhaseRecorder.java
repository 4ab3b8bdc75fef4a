package dev.hfc.sink.copy;

import java.util.Locale;

/**
 * Where the time of each committed batch write went, phase by phase. {@link CopyBatchWriter} is handed one when it
 * is made and reports every write it commits; the sink's metrics record the phases as the timers
 * {@code hfc.sink.write.phase}, tagged {@code phase}, which operators and {@code hfc bench sink} read.
 */
@FunctionalInterface
public interface WritePhaseRecorder {

    /** The phases of one batch write. */
    enum Phase {
        /** The COPYs of the batch's rows, straight into the table or into the staging table. */
        COPY,
        /** The set-based upsert statement from the staging table: staged batches only. */
        UPSERT,
        /**
         * Everything else up to the commit: the connection, the deletes and outcomes, the probe, the position check,
         * the offsets and the dead letters.
         */
        OTHER,
        /** The commit. */
        COMMIT;

        /** The value of the {@code phase} tag. */
        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One committed write spent {@code nanos} in {@code phase}. Called once per write for each phase that ran in it
     * (every write has {@link Phase#OTHER} and {@link Phase#COMMIT}), after the commit; a write that rolled back
     * reports nothing.
     */
    void recordPhase(Phase phase, long nanos);
}
