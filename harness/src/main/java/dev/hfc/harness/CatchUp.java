package dev.hfc.harness;

import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Waits for the pipeline to catch up, as the demo and the end-to-end benchmarks measure it: when
 * {@code rec_campaigns_weekly} has stopped changing and equals the reference computation.
 *
 * <p>The reference computation reads every source row (window functions over 12 rows per customer); run
 * every second while the pipeline loads, it took one of the machine's two cores from the pipeline it was
 * waiting for. So the table is watched by a cheap signature (row count and a sum of row hashes) every
 * 200 ms, and the reference runs only once the signature has been still for {@code quiet}, and again only
 * after the table changed. The time reported is when the table last changed, not when that was noticed.
 */
public final class CatchUp {

    /** How the wait ended: the last reference outcome and when (System.nanoTime()) the table last changed. */
    public record Result(ReferenceCheck.Outcome outcome, long lastChangeNanos) {
        public boolean matches() {
            return outcome != null && outcome.matches();
        }
    }

    /** Runs the reference computation. */
    @FunctionalInterface
    public interface Reference {
        ReferenceCheck.Outcome check() throws SQLException;
    }

    private static final long POLL_NANOS = 200_000_000L;

    private final DbSettings db;
    private final Reference reference;
    private final Supplier<String> failure;
    private final Duration quiet;
    private final Duration giveUp;

    /**
     * @param failure why the pipeline stopped on its own, or null while it runs
     * @param quiet   how long the table must be still before the reference is computed
     * @param giveUp  a table still for this long that differs from the reference will not match by waiting
     */
    public CatchUp(DbSettings db, Reference reference, Supplier<String> failure, Duration quiet, Duration giveUp) {
        this.db = Objects.requireNonNull(db, "db");
        this.reference = Objects.requireNonNull(reference, "reference");
        this.failure = Objects.requireNonNull(failure, "failure");
        this.quiet = Objects.requireNonNull(quiet, "quiet");
        this.giveUp = Objects.requireNonNull(giveUp, "giveUp");
        if (giveUp.compareTo(quiet) < 0) {
            throw new IllegalArgumentException("giveUp " + giveUp + " is shorter than quiet " + quiet);
        }
    }

    /**
     * Waits until the table matches the reference, has been still for {@code giveUp} while differing, or
     * {@code timeout} has passed; {@code progress} hears the table's row count now and then.
     *
     * @throws IllegalStateException when a service of the pipeline failed
     */
    public Result await(Duration timeout, Duration progressEvery, Consumer<Long> progress)
            throws SQLException, InterruptedException {
        String signatureSql = "SELECT count(*), coalesce(sum(hashtext(subscription_week || user_id || email || segment "
                + "|| subscription_id || coalesce(pause_weeks, 0) || campaign_sent)), 0) FROM "
                + db.qualified(Tables.CAMPAIGN_TARGETS);
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = null;
        String checkedAt = null;
        long lastChange = System.nanoTime();
        long lastSaid = System.nanoTime();
        ReferenceCheck.Outcome outcome = null;
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            while (System.nanoTime() < deadline) {
                String failed = failure.get();
                if (failed != null) {
                    throw new IllegalStateException("a service failed: " + failed);
                }
                long rows;
                String now;
                try (ResultSet rs = s.executeQuery(signatureSql)) {
                    rs.next();
                    rows = rs.getLong(1);
                    now = rows + ":" + rs.getLong(2);
                }
                long t = System.nanoTime();
                if (!now.equals(last)) {
                    last = now;
                    lastChange = t;
                } else if (t - lastChange >= quiet.toNanos() && !now.equals(checkedAt)) {
                    outcome = reference.check();
                    checkedAt = now;
                    if (outcome.matches()) {
                        return new Result(outcome, lastChange);
                    }
                } else if (t - lastChange >= giveUp.toNanos() && now.equals(checkedAt)) {
                    return new Result(outcome, lastChange);
                }
                if (t - lastSaid >= progressEvery.toNanos()) {
                    progress.accept(rows);
                    lastSaid = t;
                }
                Thread.sleep(POLL_NANOS / 1_000_000L);
            }
        }
        return new Result(outcome, lastChange);
    }
}
