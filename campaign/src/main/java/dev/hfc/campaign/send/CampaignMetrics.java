package dev.hfc.campaign.send;

import dev.hfc.core.segment.Segment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/** The campaign sender's metrics (Prometheus names {@code hfc_campaign_*}). */
public final class CampaignMetrics {

    private final MeterRegistry registry;
    private final AtomicLong lastRunSeconds = new AtomicLong();
    private final AtomicLong nextRunSeconds = new AtomicLong();

    public CampaignMetrics(MeterRegistry registry) {
        this.registry = registry;
        registry.gauge("hfc.campaign.last.run.timestamp.seconds", lastRunSeconds);
        registry.gauge("hfc.campaign.next.run.timestamp.seconds", nextRunSeconds);
    }

    void message(dev.hfc.core.week.Week week, Segment segment, String outcome) {
        Counter.builder("hfc.campaign.messages")
                .description("Campaign messages by week, segment and outcome")
                .tag("week", week.toString())
                .tag("segment", segment.wire())
                .tag("outcome", outcome)
                .register(registry)
                .increment();
    }

    /**
     * Feedback after the send: {@code kind} is {@code bounced}, {@code complained} or {@code unsubscribed}; week
     * and segment of the delivery it answers, {@code unknown} when it names none of ours.
     */
    public void feedback(String kind, String week, String segment) {
        Counter.builder("hfc.campaign.feedback")
                .description("Bounces, complaints and unsubscribes by week and segment")
                .tag("kind", kind)
                .tag("week", week == null ? "unknown" : week)
                .tag("segment", segment == null ? "unknown" : segment)
                .register(registry)
                .increment();
    }

    /** A consent endpoint could not reach the database and answered 503. */
    public void consentUnavailable() {
        Counter.builder("hfc.campaign.consent.unavailable")
                .description("Unsubscribes and bounce reports answered 503 (database unavailable)")
                .register(registry)
                .increment();
    }

    /** A bounce webhook refused: {@code reason} is the verdict (bad_signature, outside_tolerance, ...). */
    public void webhookRefused(String reason) {
        Counter.builder("hfc.campaign.webhook.refused")
                .description("Bounce webhooks refused, by reason")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    void smtpRetry() {
        Counter.builder("hfc.campaign.smtp.retries")
                .description("Sends retried after a transient SMTP failure")
                .register(registry)
                .increment();
    }

    /** A run ended: {@code result} is {@code complete}, {@code incomplete} or {@code failed}. */
    public void run(String result, long epochSecond) {
        Counter.builder("hfc.campaign.runs")
                .tag("result", result)
                .register(registry)
                .increment();
        lastRunSeconds.set(epochSecond);
    }

    public void nextRun(long epochSecond) {
        nextRunSeconds.set(epochSecond);
    }

    /** Messages of an outcome so far, all segments (for tests and the demo). */
    public long messages(String outcome) {
        return registry.find("hfc.campaign.messages").tag("outcome", outcome).counters().stream()
                .mapToLong(c -> (long) c.count())
                .sum();
    }
}
