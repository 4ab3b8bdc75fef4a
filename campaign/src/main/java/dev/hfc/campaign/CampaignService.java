package dev.hfc.campaign;

import dev.hfc.campaign.schedule.CutoffSchedule;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.http.Route;
import dev.hfc.core.ops.OpsServer;
import dev.hfc.core.ops.RunningService;
import dev.hfc.core.week.Week;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code hfc campaign run}: sends the campaign at every weekly cut-off, on demand ({@link #trigger()}, or
 * {@code POST /trigger} on the ops port), and once at start when the last cut-off's campaign may not have
 * gone out yet (a sender that was down at the cut-off catches up; sending is idempotent, so a campaign
 * that did go out sends nothing more). A run that stops early because the mail server is unavailable is
 * tried again after {@code retryInterval}, until the target week moves on; rows deferred by recipients' servers
 * are tried again when their next attempt is due. {@code /health} is DOWN while the last run failed.
 */
public final class CampaignService implements RunningService {

    private static final Logger LOG = LoggerFactory.getLogger(CampaignService.class);

    private final CampaignSender sender;
    private final CutoffSchedule schedule;
    private final CampaignMetrics metrics;
    private final Clock clock;
    private final Duration retryInterval;
    private final ScheduledThreadPoolExecutor executor;
    private volatile String lastRun = "none yet";
    private volatile Instant nextCutoff;
    private ScheduledFuture<?> retry;
    private volatile String unhealthy;
    private final Map<String, Route> publicRoutes;
    private final Map<String, Route> operatorPages;
    private final long maxDeferred;

    private CampaignService(
            CampaignSender sender,
            CutoffSchedule schedule,
            CampaignMetrics metrics,
            Clock clock,
            Duration retryInterval,
            Map<String, Route> publicRoutes,
            Map<String, Route> operatorPages,
            long maxDeferred) {
        this.publicRoutes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(publicRoutes));
        this.operatorPages = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(operatorPages));
        this.maxDeferred = maxDeferred;
        this.sender = sender;
        this.schedule = schedule;
        this.metrics = metrics;
        this.clock = clock;
        this.retryInterval = retryInterval;
        this.executor = new ScheduledThreadPoolExecutor(1, r -> new Thread(r, "hfc-campaign"));
        // On close, the next cut-off must not keep the process waiting.
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * @param publicRoutes  the endpoints for recipients and mail providers (unsubscribe, bounce webhook)
     * @param operatorPages the read-only operator pages (the dashboard)
     * @param maxDeferred   deferred rows of the last run's week beyond which /health says DOWN
     */
    public static CampaignService create(
            CampaignSender sender,
            CutoffSchedule schedule,
            CampaignMetrics metrics,
            Clock clock,
            Duration retryInterval,
            Map<String, Route> publicRoutes,
            Map<String, Route> operatorPages,
            long maxDeferred) {
        return new CampaignService(
                sender, schedule, metrics, clock, retryInterval, publicRoutes, operatorPages, maxDeferred);
    }

    /**
     * Starts the schedule: the catch-up run when the last cut-off's campaign may be incomplete, then every cut-off.
     * The runner calls it once the listeners are up, so nothing is sent whose unsubscribe link has no listener.
     */
    @Override
    public void start() {
        Instant now = clock.instant();
        Week pending = schedule.pendingAt(now);
        if (pending != null) {
            LOG.info("campaign: the cut-off for {} has passed; sending what is still unsent now", pending);
            executor.execute(() -> runFor(pending, "catch-up"));
        }
        scheduleNext(now);
    }

    /** Sends the campaign of the current target week now (in the service's thread, after any run in progress). */
    public void trigger() {
        executor.execute(() -> runFor(Week.target(clock.instant(), schedule.zone()), "on demand"));
    }

    private void scheduleNext(Instant now) {
        Instant next = schedule.nextAfter(now);
        nextCutoff = next;
        metrics.nextRun(next.getEpochSecond());
        long delayMs = Math.max(0, Duration.between(clock.instant(), next).toMillis());
        LOG.info("campaign: next cut-off {} (for {})", next, schedule.weekOf(next));
        executor.schedule(
                () -> {
                    runFor(schedule.weekOf(next), "cut-off");
                    scheduleNext(next);
                },
                delayMs,
                TimeUnit.MILLISECONDS);
    }

    private void runFor(Week week, String why) {
        if (retry != null) {
            retry.cancel(false);
            retry = null;
        }
        try {
            SendReport report = sender.send(week);
            lastRun = why + " at " + clock.instant() + ": " + report.summary();
            metrics.run(
                    report.complete() ? "complete" : "incomplete",
                    clock.instant().getEpochSecond());
            boolean current = week.equals(Week.target(clock.instant(), schedule.zone()));
            if (report.aborted() != null) {
                unhealthy = "the last run stopped early: " + report.aborted();
            } else if (report.deferredWaiting() + report.deferredExpired() > maxDeferred) {
                unhealthy = (report.deferredWaiting() + report.deferredExpired()) + " rows of " + week
                        + " deferred by recipients' servers (more than --max-deferred " + maxDeferred + ")";
            } else {
                unhealthy = null;
            }
            if (report.aborted() != null && current) {
                LOG.warn("campaign {}: trying again in {} s", week, retryInterval.toSeconds());
                retry = executor.schedule(() -> runFor(week, "retry"), retryInterval.toMillis(), TimeUnit.MILLISECONDS);
            } else if (report.nextDeferredAttempt() != null
                    && report.nextDeferredAttempt().isBefore(dev.hfc.campaign.send.DeferralPolicy.deadline(week))) {
                // Deferred rows are tried until their week's end (DeferralPolicy), also after the week became current.
                long delayMs = Math.max(
                        0,
                        Duration.between(clock.instant(), report.nextDeferredAttempt())
                                .toMillis());
                LOG.info(
                        "campaign {}: {} deferred row(s); next attempt at {}",
                        week,
                        report.deferredWaiting(),
                        report.nextDeferredAttempt());
                retry = executor.schedule(() -> runFor(week, "deferred rows due"), delayMs, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            lastRun = why + " at " + clock.instant() + ": failed: " + e.getMessage();
            unhealthy = "the last run failed: " + e.getMessage();
            metrics.run("failed", clock.instant().getEpochSecond());
            LOG.error("campaign {} ({}) failed; trying again in {} s", week, why, retryInterval.toSeconds(), e);
            retry = executor.schedule(() -> runFor(week, "retry"), retryInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public java.util.Map<String, java.util.function.Supplier<String>> actions() {
        return java.util.Map.of("/trigger", () -> {
            trigger();
            return "campaign run for " + Week.target(clock.instant(), schedule.zone()) + " queued";
        });
    }

    @Override
    public Map<String, Route> publicRoutes() {
        return publicRoutes;
    }

    @Override
    public Map<String, Route> operatorPages() {
        return operatorPages;
    }

    /** DOWN, with the reason, while the last run failed, stopped early or left more deferred rows than allowed. */
    @Override
    public OpsServer.Health health() {
        String detail = "next cut-off " + nextCutoff + "; last run: " + lastRun;
        String down = unhealthy;
        return down == null ? OpsServer.Health.up(detail) : OpsServer.Health.down(down + "; " + detail);
    }

    @Override
    public String failure() {
        return null; // a failed run is retried; the service itself keeps its schedule
    }

    @Override
    public void close() {
        // The run in progress finishes the message in hand and marks what was accepted.
        sender.stop();
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                LOG.warn("campaign: the run in progress did not stop within 30 s; interrupting it");
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.close();
    }
}
