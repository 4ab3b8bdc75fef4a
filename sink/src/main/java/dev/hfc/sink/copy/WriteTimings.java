package dev.hfc.sink.copy;

/**
 * Where the time of one batch write went, in nanoseconds: the COPYs, the staging upsert statement, everything
 * else up to the commit, and the commit. Only {@code hfc bench sink} reads them, to tell which phase a change
 * sped up; the sink does not, so they are measured here rather than inline in the write they time.
 */
public record WriteTimings(long copyNanos, long upsertNanos, long otherNanos, long commitNanos) {

    /** Nothing measured: what a store returns that does not time its writes (tests' fakes). */
    public static final WriteTimings NONE = new WriteTimings(0, 0, 0, 0);

    /** Measures one write, on the thread that runs it; it starts when it is made, at the start of the write. */
    static final class Stopwatch {
        private final long begin = System.nanoTime();
        private long copyNanos;
        private long upsertNanos;
        private long beforeCommit;

        /** Adds the time since {@code start} (a {@link System#nanoTime()}) to the COPYs. */
        void copied(long start) {
            copyNanos += System.nanoTime() - start;
        }

        /** Adds the time since {@code start} (a {@link System#nanoTime()}) to the upsert statements. */
        void upserted(long start) {
            upsertNanos += System.nanoTime() - start;
        }

        /** Marks the start of the commit: the last thing the write does before it. */
        void committing() {
            beforeCommit = System.nanoTime();
        }

        /** The timings of the write, whose commit has just ended. */
        WriteTimings committed() {
            long end = System.nanoTime();
            return new WriteTimings(
                    copyNanos, upsertNanos, beforeCommit - begin - copyNanos - upsertNanos, end - beforeCommit);
        }
    }
}
