package dev.hfc.cli;

import dev.hfc.service.Hfc;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A demo or benchmark stopped by SIGTERM or Ctrl-C still runs its {@code finally} blocks: they drop the
 * replication slot, publication and schema it made on the server and delete its broker and state data. The JVM
 * runs shutdown hooks, not the main thread's {@code finally}; so the hook interrupts the command's thread (its
 * waits end at once) and holds the shutdown until that thread has cleaned up, for at most {@code bound}.
 */
final class FinishOnSignal {

    private FinishOnSignal() {}

    static int run(Duration bound, Callable<Integer> command) throws Exception {
        Thread worker = Thread.currentThread();
        CountDownLatch finished = new CountDownLatch(1);
        AtomicBoolean signalled = new AtomicBoolean();
        Thread hook = new Thread(
                () -> {
                    signalled.set(true);
                    System.err.println("hfc: signal received; stopping and removing what this run created (at most "
                            + bound.toSeconds() + " s)");
                    worker.interrupt();
                    try {
                        if (!finished.await(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                            System.err.println(
                                    "hfc: clean-up did not finish within " + bound.toSeconds()
                                            + " s; exiting without it (temporary data, and a schema or slot on a server, may remain)");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "hfc-finish-on-signal");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return command.call();
        } catch (Exception e) {
            if (signalled.get()) {
                System.err.println("hfc: stopped by the signal (" + (e.getCause() == null ? e : e.getCause())
                        + "); clean-up done");
                return Hfc.FAILED;
            }
            throw e;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the signal came: the hook is running and lets the JVM exit now that we are done
            }
        }
    }
}
