package dev.hfc.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final AtomicLong clock = new AtomicLong();
    private final List<Duration> pauses = new ArrayList<>();
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofMillis(400), Duration.ofSeconds(1));

    private <T> T run(Backoff.Attempt<T, IOException> attempt) throws Exception {
        return run(backoff, attempt);
    }

    private <T> T run(Backoff b, Backoff.Attempt<T, IOException> attempt) throws Exception {
        return b.run(e -> e instanceof IOException, (e, p) -> {}, attempt, clock::get, p -> {
            pauses.add(p);
            clock.addAndGet(p.toNanos());
        });
    }

    @Test
    void aTransientFailureIsRetriedWithDoublingPausesUpToTheMaximum() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        String result = run(backoff.withTimeout(Duration.ofSeconds(10)), () -> {
            if (calls.incrementAndGet() < 5) {
                throw new IOException("down");
            }
            return "ok";
        });
        assertThat(result).isEqualTo("ok");
        assertThat(pauses).extracting(Duration::toMillis).containsExactly(100L, 200L, 400L, 400L);
    }

    @Test
    void theLastTransientFailureIsThrownWhenTheBoundIsSpentAndThePausesNeverOvershootIt() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> run(() -> {
                    calls.incrementAndGet();
                    throw new IOException("still down " + calls.get());
                }))
                .isInstanceOf(IOException.class)
                .hasMessage("still down " + calls.get());
        assertThat(pauses.stream().mapToLong(Duration::toMillis).sum()).isEqualTo(1000);
        assertThat(pauses).extracting(Duration::toMillis).containsExactly(100L, 200L, 400L, 300L);
    }

    @Test
    void aFailureThatIsNotTransientIsThrownAtOnce() {
        assertThatThrownBy(() -> backoff.run(
                        e -> e instanceof IOException,
                        (e, p) -> {},
                        () -> {
                            throw new IllegalStateException("bug");
                        },
                        clock::get,
                        pauses::add))
                .isInstanceOf(IllegalStateException.class);
        assertThat(pauses).isEmpty();
    }

    @Test
    void aZeroTimeoutTriesOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> backoff.withTimeout(Duration.ZERO)
                        .run(
                                e -> true,
                                (e, p) -> {},
                                () -> {
                                    calls.incrementAndGet();
                                    throw new IOException("x");
                                },
                                clock::get,
                                pauses::add))
                .isInstanceOf(IOException.class);
        assertThat(calls).hasValue(1);
    }
}
