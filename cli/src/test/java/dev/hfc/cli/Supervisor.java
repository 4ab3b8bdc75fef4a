package dev.hfc.cli;

import static org.awaitility.Awaitility.await;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.SegmentPolicy;
import dev.hfc.core.week.Week;
import dev.hfc.harness.ReferenceCheck;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The service processes of a process-level test, supervised as an operator's supervisor would: started,
 * killed and restarted on purpose, and restarted (and counted) when one exits on its own. Closing stops
 * them in the reverse order of {@link #add}.
 */
final class Supervisor implements AutoCloseable {

    /** One named service process. */
    final class Service {
        final String name;
        final Map<String, String> env;
        final String readyLine;
        final String[] args;
        HfcProcess process;
        /** Stopped on purpose: not restarted by {@link #checkAlive} until started again. */
        private boolean down;

        private Service(String name, Map<String, String> env, String readyLine, String... args) {
            this.name = name;
            this.env = env;
            this.readyLine = readyLine;
            this.args = args;
        }

        void start() throws Exception {
            if (process != null) {
                process.close(); // the last run's (killed or stopped): its output files go with it
            }
            process = HfcProcess.start(env, args);
            down = false;
            if (readyLine != null) {
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> process.stdout().contains(readyLine));
            }
        }

        /** SIGKILL. */
        void kill() throws InterruptedException {
            down = true;
            process.kill();
        }

        /** SIGTERM; the service must stop within a minute, cleanly or by the signal's exit code. */
        void terminate() throws InterruptedException {
            down = true;
            int code = process.terminate(Duration.ofSeconds(60));
            if (code != 0 && code != 143) {
                throw new AssertionError(name + " exited with " + code + " on SIGTERM; its stderr:\n" + stderrTail());
            }
        }

        boolean alive() {
            return process != null && process.process().isAlive();
        }

        String stderrTail() {
            try {
                return tail(process.stderr());
            } catch (IOException e) {
                return "(stderr unreadable: " + e + ")";
            }
        }

        /** SIGTERM, and SIGKILL when that does not stop it within a minute; never throws (it runs in a test's finally). */
        private void stopQuietly() {
            try {
                if (alive()) {
                    process.terminate(Duration.ofSeconds(60));
                }
            } catch (Exception | AssertionError e) {
                System.err.println("stopping " + name + ": " + e + "; killing it");
                try {
                    process.kill();
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            try {
                if (process != null) {
                    process.close();
                }
            } catch (Exception e) {
                System.err.println("closing " + name + ": " + e);
            }
        }
    }

    private final Map<String, Service> services = new LinkedHashMap<>();
    private int unplannedRestarts;

    /** Registers a service; {@code readyLine}, when not null, is awaited on its stdout after each start. */
    Service add(String name, Map<String, String> env, String readyLine, String... args) {
        Service s = new Service(name, env, readyLine, args);
        if (services.putIfAbsent(name, s) != null) {
            throw new IllegalArgumentException("two services named " + name);
        }
        return s;
    }

    Service get(String name) {
        Service s = services.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no service named " + name + " (have " + services.keySet() + ")");
        }
        return s;
    }

    Collection<Service> all() {
        return services.values();
    }

    /** Restarts every started service that exited by itself, and counts it. */
    void checkAlive() {
        for (Service s : services.values()) {
            if (s.process != null && !s.down && !s.process.process().isAlive()) {
                unplannedRestarts++;
                System.err.println("supervisor: " + s.name + " exited with "
                        + s.process.process().exitValue() + "; restarting it. Its stderr:\n" + s.stderrTail());
                try {
                    s.start();
                } catch (Exception e) {
                    throw new IllegalStateException("cannot restart " + s.name, e);
                }
            }
        }
    }

    int unplannedRestarts() {
        return unplannedRestarts;
    }

    /**
     * Waits, restarting services that die, until the table equals the reference computation under {@code policy}
     * ({@link ReferenceCheck#check(DbSettings, SegmentPolicy, Week, boolean, List)}); says what differed if it never does.
     */
    ReferenceCheck.Outcome awaitMatch(
            DbSettings db,
            SegmentPolicy policy,
            Week from,
            boolean keepSent,
            List<UUID> foreign,
            Duration atMost,
            String phase) {
        AtomicReference<ReferenceCheck.Outcome> last = new AtomicReference<>();
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(500)).until(() -> {
                checkAlive();
                last.set(ReferenceCheck.check(db, policy, from, keepSent, foreign));
                return last.get().matches();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(
                    phase + ": the table never matched the reference under " + policy + ": " + last.get(), e);
        }
        return last.get();
    }

    /** A random gap of one to three seconds between faults, so that they land at different moments of the load. */
    void pause(Random random) throws InterruptedException {
        Thread.sleep(1_000 + random.nextInt(2_000));
        checkAlive();
    }

    @Override
    public void close() {
        List<Service> reversed = new ArrayList<>(services.values());
        java.util.Collections.reverse(reversed);
        reversed.forEach(Service::stopQuietly);
    }

    static String tail(String s) {
        return s.length() <= 4_000 ? s : s.substring(s.length() - 4_000);
    }
}
