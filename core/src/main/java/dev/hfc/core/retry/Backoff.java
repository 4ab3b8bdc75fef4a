package dev.hfc.core.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Retries what is transient, with exponential backoff, within a time bound; everything else, and the last
 * transient failure once the bound is spent, is thrown to the caller with its context. The one retry loop of
 * the project: the sink's writes and seeks, the campaign's database and SMTP work.
 *
 * @param first     the first pause
 * @param max       the longest pause
 * @param timeout   how long, from the first attempt, a transient failure is retried
 */
public record Backoff(Duration first, Duration max, Duration timeout) {

    /** One attempt of the work. */
    @FunctionalInterface
    public interface Attempt<T, E extends Exception> {
        T run() throws E, InterruptedException;
    }

    /** Told of every transient failure that is retried, with the pause before the next attempt. */
    @FunctionalInterface
    public interface RetryListener {
        void retrying(Exception failure, Duration pause);
    }

    /** Sleeps; a test hands in one that records instead. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration pause) throws InterruptedException;
    }

    public Backoff {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(timeout, "timeout");
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0 || timeout.isNegative()) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max and timeout >= 0, got first=" + first
                    + " max=" + max + " timeout=" + timeout);
        }
    }

    public Backoff withTimeout(Duration newTimeout) {
        return new Backoff(first, max, newTimeout);
    }

    /** Runs {@code attempt} until it succeeds, fails for good, or the time bound is spent. */
    public <T, E extends Exception> T run(
            Predicate<? super Exception> isTransient, RetryListener listener, Attempt<T, E> attempt)
            throws E, InterruptedException {
        return run(isTransient, listener, attempt, System::nanoTime, p -> Thread.sleep(p.toMillis()));
    }

    <T, E extends Exception> T run(
            Predicate<? super Exception> isTransient,
            RetryListener listener,
            Attempt<T, E> attempt,
            LongSupplier nanoClock,
            Sleeper sleeper)
            throws E, InterruptedException {
        long deadline = nanoClock.getAsLong() + timeout.toNanos();
        Duration pause = first;
        while (true) {
            try {
                return attempt.run();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                long left = deadline - nanoClock.getAsLong();
                if (!isTransient.test(e) || left <= 0) {
                    throw e;
                }
                Duration now = pause.toNanos() > left ? Duration.ofNanos(left) : pause;
                listener.retrying(e, now);
                sleeper.sleep(now);
                pause = pause.multipliedBy(2).compareTo(max) > 0 ? max : pause.multipliedBy(2);
            }
        }
    }
}
