package dev.hfc.segmenter;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a stream thread's death means. A thread that died on an error a broker returned (an {@link ApiException}
 * or a {@link RetriableException} anywhere in the cause chain: a transaction the coordinator no longer knows in
 * that state after a broker or controller failed over, say) is replaced: under exactly-once its open
 * transaction is aborted and its tasks start again from their last commit, so nothing is lost or published
 * twice, and the service stays up. Anything else (a defect of ours, a state store that cannot be written), or
 * more than {@link #MAX_REPLACEMENTS} replacements within {@link #WINDOW}, shuts the client down: the service
 * exits and its supervisor sees it. Each replacement is logged and counted ({@code hfc.segmenter.threads.replaced}).
 */
final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailures.class);
    static final int MAX_REPLACEMENTS = 5;
    static final Duration WINDOW = Duration.ofMinutes(10);

    private final Clock clock;
    private final Counter replaced;
    /** When the replacements within the window happened, oldest first. */
    private final Deque<Instant> recent = new ArrayDeque<>();

    StreamThreadFailures(MeterRegistry registry, Clock clock) {
        this.clock = clock;
        this.replaced = Counter.builder("hfc.segmenter.threads.replaced")
                .description(
                        "Stream threads replaced after a broker-side error (their transactions aborted, their tasks "
                                + "restarted from the last commit)")
                .register(registry);
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable failure) {
        Throwable brokerSide = brokerSide(failure);
        Instant now = clock.instant();
        while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(WINDOW))) {
            recent.pollFirst();
        }
        if (brokerSide != null && recent.size() < MAX_REPLACEMENTS) {
            recent.addLast(now);
            replaced.increment();
            LOG.warn(
                    "segmenter stream thread failed on an error from Kafka ({}: {}); replacing the thread ({} of at most {} "
                            + "within {} min): its transaction is aborted and its tasks start again from their last commit",
                    brokerSide.getClass().getSimpleName(),
                    brokerSide.getMessage(),
                    recent.size(),
                    MAX_REPLACEMENTS,
                    WINDOW.toMinutes(),
                    failure);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        }
        if (brokerSide != null) {
            LOG.error(
                    "segmenter stream thread failed on an error from Kafka after {} thread replacements within {} min; "
                            + "shutting the client down",
                    recent.size(),
                    WINDOW.toMinutes(),
                    failure);
        } else {
            LOG.error("segmenter stream thread failed; shutting the client down", failure);
        }
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** The first error a broker returned in the cause chain, or null. */
    static Throwable brokerSide(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ApiException || t instanceof RetriableException) {
                return t;
            }
        }
        return null;
    }
}
