package dev.hfc.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long task: a bar redrawn in place when stderr is a terminal, otherwise a plain log line at
 * most every few seconds (CI logs and pipes get no control characters).
 */
final class Progress {

    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    private static final int WIDTH = 30;

    private final String task;
    private final long total;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private long lastLogNanos;

    Progress(String task, long total) {
        this.task = task;
        this.total = total;
    }

    void update(long done) {
        double fraction = total == 0 ? 1 : Math.min(1, done / (double) total);
        if (terminal) {
            int filled = (int) (fraction * WIDTH);
            System.err.printf(
                    "\r%s [%s%s] %3.0f%% %,d/%,d",
                    task, "#".repeat(filled), " ".repeat(WIDTH - filled), fraction * 100, done, total);
            System.err.flush();
        } else if (System.nanoTime() - lastLogNanos > 3_000_000_000L || done >= total) {
            lastLogNanos = System.nanoTime();
            LOG.info(
                    "{}: {}/{} ({}%) after {} s",
                    task, done, total, Math.round(fraction * 100), (System.nanoTime() - start) / 1_000_000_000);
        }
    }

    void done() {
        if (terminal) {
            System.err.println();
        }
    }
}
