package dev.hfc.sink.offset;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outcome of the sink's Kafka offset commits, which only feed lag tools: PostgreSQL holds the positions the
 * sink resumes from ({@link SinkOffsets}). Without a callback the Kafka client logs every failed commit at ERROR
 * with a stack trace (each move of the group coordinator); here each kind of failure is logged once, at INFO
 * when the group is moving (the next commit succeeds) and at WARN otherwise, then at DEBUG.
 */
public final class LagCommits implements OffsetCommitCallback {

    private static final Logger LOG = LoggerFactory.getLogger(LagCommits.class);

    /** How a failure was reported. */
    public enum Reported {
        FIRST_INFO,
        FIRST_WARN,
        AGAIN_DEBUG,
        NOTHING
    }

    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    @Override
    public void onComplete(Map<TopicPartition, OffsetAndMetadata> offsets, Exception exception) {
        report(exception);
    }

    /** Logs {@code exception} as the rules above say, and tells how. */
    public Reported report(Exception exception) {
        if (exception == null) {
            return Reported.NOTHING;
        }
        String cause = exception.getClass().getSimpleName();
        boolean moving = exception instanceof RetriableCommitFailedException
                || exception instanceof RetriableException
                || exception instanceof RebalanceInProgressException
                || exception instanceof CommitFailedException;
        if (!seen.add(cause)) {
            LOG.debug("sink: a lag-only offset commit failed again ({}: {})", cause, exception.getMessage());
            return Reported.AGAIN_DEBUG;
        }
        String message =
                "sink: committing offsets to Kafka for lag tools failed ({}: {}); harmless, PostgreSQL holds the "
                        + "sink's positions and the next batch commits again. Further failures of this kind are logged at DEBUG";
        if (moving) {
            LOG.info(message, cause, exception.getMessage());
            return Reported.FIRST_INFO;
        }
        LOG.warn(message, cause, exception.getMessage());
        return Reported.FIRST_WARN;
    }
}
