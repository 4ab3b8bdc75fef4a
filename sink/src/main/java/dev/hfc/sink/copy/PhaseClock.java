package dev.hfc.sink.copy;

import dev.hfc.sink.copy.WritePhaseRecorder.Phase;

/**
 * Measures the phases of one write, on the thread that runs it; it starts when it is made, at the start of the
 * write, and reports to a {@link WritePhaseRecorder} once the write committed.
 */
final class PhaseClock {
    private final long begin = System.nanoTime();
    private long copyNanos;
    private long upsertNanos;
    private boolean copied;
    private boolean upserted;
    private long beforeCommit;

    /** Adds the time since {@code start} (a {@link System#nanoTime()}) to the COPYs. */
    void copied(long start) {
        copyNanos += System.nanoTime() - start;
        copied = true;
    }

    /** Adds the time since {@code start} (a {@link System#nanoTime()}) to the upsert statements. */
    void upserted(long start) {
        upsertNanos += System.nanoTime() - start;
        upserted = true;
    }

    /** Marks the start of the commit: the last thing the write does before it. */
    void committing() {
        beforeCommit = System.nanoTime();
    }

    /** Reports the write, whose commit has just ended: each phase that ran, once, with its summed time. */
    void committed(WritePhaseRecorder recorder) {
        long end = System.nanoTime();
        if (copied) {
            recorder.recordPhase(Phase.COPY, copyNanos);
        }
        if (upserted) {
            recorder.recordPhase(Phase.UPSERT, upsertNanos);
        }
        recorder.recordPhase(Phase.OTHER, beforeCommit - begin - copyNanos - upsertNanos);
        recorder.recordPhase(Phase.COMMIT, end - beforeCommit);
    }
}
