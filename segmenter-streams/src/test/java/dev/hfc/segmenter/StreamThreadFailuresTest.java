package dev.hfc.segmenter;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Instant now = Instant.parse("2026-12-07T10:00:00Z");
    private final StreamThreadFailures failures = new StreamThreadFailures(registry, new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    });

    /** As seen in the cluster suite after the active controller was killed. */
    private static StreamsException commitFailed() {
        return new StreamsException(
                "Error encountered trying to commit a transaction",
                new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state."));
    }

    @Test
    void aThreadThatDiedOnAnErrorFromKafkaIsReplacedAndCounted() {
        assertThat(failures.handle(commitFailed())).isEqualTo(REPLACE_THREAD);
        assertThat(failures.handle(new StreamsException("send failed", new NotEnoughReplicasException("2 of 3 down"))))
                .isEqualTo(REPLACE_THREAD);
        assertThat(registry.get("hfc.segmenter.threads.replaced").counter().count())
                .isEqualTo(2);
    }

    @Test
    void anythingElseShutsTheClientDownAndIsNotCounted() {
        assertThat(failures.handle(new StreamsException("processor failed", new NullPointerException("a defect"))))
                .isEqualTo(SHUTDOWN_CLIENT);
        assertThat(failures.handle(new IllegalStateException("state store"))).isEqualTo(SHUTDOWN_CLIENT);
        assertThat(registry.get("hfc.segmenter.threads.replaced").counter().count())
                .isZero();
    }

    @Test
    void moreReplacementsThanAllowedWithinTheWindowShutTheClientDownUntilTheOldestLeaveIt() {
        for (int i = 0; i < StreamThreadFailures.MAX_REPLACEMENTS; i++) {
            assertThat(failures.handle(commitFailed()))
                    .as("replacement %d", i + 1)
                    .isEqualTo(REPLACE_THREAD);
            now = now.plusSeconds(60);
        }
        assertThat(failures.handle(commitFailed()))
                .as("one more within the window")
                .isEqualTo(SHUTDOWN_CLIENT);
        now = now.plus(StreamThreadFailures.WINDOW)
                .minus(Duration.ofMinutes(StreamThreadFailures.MAX_REPLACEMENTS))
                .plusSeconds(1);
        assertThat(failures.handle(commitFailed()))
                .as("once the first replacement is older than the window")
                .isEqualTo(REPLACE_THREAD);
    }

    @Test
    void theBrokerSideErrorIsFoundAnywhereInTheCauseChain() {
        InvalidTxnStateException deep = new InvalidTxnStateException("deep");
        assertThat(StreamThreadFailures.brokerSide(new RuntimeException(new IllegalStateException(deep))))
                .isSameAs(deep);
        assertThat(StreamThreadFailures.brokerSide(new RuntimeException("none")))
                .isNull();
    }
}
