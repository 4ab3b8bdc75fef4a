package dev.hfc.campaign.send;

import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.campaign.content.RenderedEmail;
import dev.hfc.campaign.delivery.Mailer;
import dev.hfc.campaign.delivery.SendOutcome;
import dev.hfc.core.retry.Backoff;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One message's way to the mail server: a free SMTP connection from the pool, the send rate, and retries with
 * backoff through failures of the server or the connection ({@link SendOutcome.Transient}) for up to the retry
 * timeout. Every other outcome (accepted, deferred for this recipient, rejected) is returned at once.
 */
final class MessageDelivery implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MessageDelivery.class);
    /** The one retry of the project (core), here from 200 ms doubling to 5 s. */
    static final Backoff BACKOFF = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ZERO);

    private final BlockingQueue<Mailer> free;
    private final List<Mailer> all = new ArrayList<>();
    private final Bucket rate;
    private final Duration retryTimeout;
    private final CampaignMetrics metrics;

    /** @param connections how many {@link Mailer}s (SMTP connections) to make */
    MessageDelivery(
            Supplier<Mailer> mailers,
            int connections,
            double messagesPerSecond,
            Duration retryTimeout,
            CampaignMetrics metrics) {
        this.free = new ArrayBlockingQueue<>(connections);
        for (int i = 0; i < connections; i++) {
            Mailer m = mailers.get();
            all.add(m);
            free.add(m);
        }
        this.rate = messagesPerSecond > 0 ? bucket(messagesPerSecond) : null;
        this.retryTimeout = retryTimeout;
        this.metrics = metrics;
    }

    /** A token bucket that allows {@code perSecond} messages a second and a burst of at most one second's worth. */
    private static Bucket bucket(double perSecond) {
        long capacity = Math.max(1, (long) Math.floor(perSecond));
        Duration refillEvery = Duration.ofNanos((long) (capacity * 1_000_000_000L / perSecond));
        return Bucket.builder()
                .addLimit(Bandwidth.builder()
                        .capacity(capacity)
                        .refillGreedy(capacity, refillEvery)
                        .initialTokens(1)
                        .build())
                .build();
    }

    /**
     * Sends one message on a free connection.
     *
     * @param stopping true once the run stops: no further retry
     * @param gate     asked right before every attempt (after any wait for the rate or a retry); false: do not send
     * @return the last outcome; a {@link SendOutcome.Transient} when the retry time ran out; null when the gate closed
     */
    SendOutcome send(
            CampaignRecipient r, RenderedEmail email, String messageId, BooleanSupplier stopping, BooleanSupplier gate)
            throws InterruptedException {
        Mailer mailer = free.take();
        try {
            return BACKOFF.withTimeout(retryTimeout)
                    .run(
                            e -> e instanceof TransientSend && !stopping.getAsBoolean(),
                            (e, pause) -> {
                                metrics.smtpRetry();
                                LOG.warn(
                                        "campaign {}: SMTP failure ({}); retrying in {} ms",
                                        r.describe(),
                                        ((TransientSend) e).outcome.reason(),
                                        pause.toMillis());
                            },
                            () -> {
                                if (rate != null) {
                                    rate.asBlocking().consume(1);
                                }
                                if (!gate.getAsBoolean()) {
                                    return null;
                                }
                                SendOutcome outcome = mailer.send(r.email(), email, messageId);
                                if (outcome instanceof SendOutcome.Transient t) {
                                    throw new TransientSend(t);
                                }
                                return outcome;
                            });
        } catch (TransientSend e) {
            return e.outcome; // still failing when the retry time ran out, or the run is stopping
        } finally {
            free.put(mailer);
        }
    }

    @Override
    public void close() {
        all.forEach(Mailer::close);
    }

    /** A transient SMTP outcome, as an exception for {@link Backoff}. */
    private static final class TransientSend extends Exception {
        final SendOutcome.Transient outcome;

        TransientSend(SendOutcome.Transient outcome) {
            super(outcome.reason(), null, false, false);
            this.outcome = outcome;
        }
    }
}
