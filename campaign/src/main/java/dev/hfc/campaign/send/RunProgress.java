package dev.hfc.campaign.send;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/** The counters of one run, written by the sender's workers; {@link #report} makes its {@link SendReport}. */
final class RunProgress {

    final Map<Segment, Long> sent = new EnumMap<>(Segment.class);
    final Map<Segment, Long> control = new EnumMap<>(Segment.class);
    long alreadyDelivered;
    long addressRejected;
    long refused;
    long senderRefused;
    int senderRefusedInARow;
    long unsupported;
    long withoutPauseWeeks;
    long optedOut;
    long deferredNow;
    private volatile String aborted;

    synchronized void sent(Segment s) {
        sent.merge(s, 1L, Long::sum);
        senderRefusedInARow = 0;
    }

    synchronized void control(Segment s) {
        control.merge(s, 1L, Long::sum);
    }

    synchronized void count(Runnable change) {
        change.run();
    }

    /** Records why the run stops, the first reason only; true when this was the first. */
    synchronized boolean abort(String why) {
        if (aborted != null) {
            return false;
        }
        aborted = why;
        return true;
    }

    String aborted() {
        return aborted;
    }

    synchronized SendReport report(Week week, boolean dryRun, CampaignRows.Deferred deferred) {
        long waiting = deferred == null ? 0 : deferred.waiting();
        long expired = deferred == null ? 0 : deferred.expired();
        Instant next = deferred == null ? null : deferred.nextAttempt();
        return new SendReport(
                week,
                dryRun,
                sent,
                control,
                alreadyDelivered,
                addressRejected,
                refused,
                senderRefused,
                unsupported,
                withoutPauseWeeks,
                optedOut,
                deferredNow,
                waiting,
                expired,
                next,
                aborted);
    }
}
