package dev.hfc.campaign.send;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What one {@code campaign send} did for a week.
 *
 * @param sent              messages the server accepted, per segment (rendered only, for a dry run)
 * @param control           targets held back as the week's control group, per segment (recorded, not emailed)
 * @param alreadyDelivered  rows marked sent without sending: an earlier sender's delivery was on record
 * @param addressRejected   rows whose address is unusable for good (recorded, not tried again)
 * @param refused           messages the server refused for good for another reason (left unsent)
 * @param senderRefused     rows left unsent because the server refused mail from this sender (policy,
 *                          authentication); nobody was suppressed
 * @param unsupported       rows left unsent because this server cannot take their address (a non-ASCII
 *                          local part and no SMTPUTF8); not suppressed, another relay may take them
 * @param withoutPauseWeeks rows left unsent because they have no pause_weeks and their segment's templates use it
 * @param optedOut          rows skipped right before their message: the customer opted out (or the address was
 *                          suppressed) after the row was claimed
 * @param deferredNow       recipients deferred by this run (a 4xx for that recipient alone: mailbox full, greylisting)
 * @param deferredWaiting   unsent rows of the week waiting for their next attempt after a deferral (this run's or earlier)
 * @param deferredExpired   unsent rows of the week given up: deferred until past the week's end
 * @param nextDeferredAttempt when the first waiting row is due, or null when none waits
 * @param aborted           why the run stopped early (the mail server stayed unreachable), or null
 */
public record SendReport(
        Week week,
        boolean dryRun,
        Map<Segment, Long> sent,
        Map<Segment, Long> control,
        long alreadyDelivered,
        long addressRejected,
        long refused,
        long senderRefused,
        long unsupported,
        long withoutPauseWeeks,
        long optedOut,
        long deferredNow,
        long deferredWaiting,
        long deferredExpired,
        java.time.Instant nextDeferredAttempt,
        String aborted) {

    public SendReport {
        sent = Collections.unmodifiableMap(sent.isEmpty() ? new EnumMap<>(Segment.class) : new EnumMap<>(sent));
        control =
                Collections.unmodifiableMap(control.isEmpty() ? new EnumMap<>(Segment.class) : new EnumMap<>(control));
    }

    public long sentTotal() {
        return sent.values().stream().mapToLong(Long::longValue).sum();
    }

    public long controlTotal() {
        return control.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * True when every sendable row of the week was handled: sent, held back, suppressed, opted out, or deferred
     * to a later attempt that is still within the week (a full mailbox is the recipient's, not the run's).
     */
    public boolean complete() {
        return aborted == null
                && refused == 0
                && senderRefused == 0
                && unsupported == 0
                && withoutPauseWeeks == 0
                && deferredExpired == 0;
    }

    public String summary() {
        StringBuilder b = new StringBuilder();
        b.append(week)
                .append(dryRun ? ": would send " : ": sent ")
                .append(sentTotal())
                .append(" (");
        boolean first = true;
        for (Segment s : Segment.values()) {
            b.append(first ? "" : ", ").append(s.wire()).append(' ').append(sent.getOrDefault(s, 0L));
            first = false;
        }
        b.append(")");
        if (controlTotal() > 0) {
            b.append(dryRun ? ", would hold back " : ", held back ")
                    .append(controlTotal())
                    .append(" as control (");
            boolean firstControl = true;
            for (Segment s : Segment.values()) {
                b.append(firstControl ? "" : ", ").append(s.wire()).append(' ').append(control.getOrDefault(s, 0L));
                firstControl = false;
            }
            b.append(")");
        }
        if (alreadyDelivered > 0) {
            b.append(", ").append(alreadyDelivered).append(" marked from an earlier delivery");
        }
        if (addressRejected > 0) {
            b.append(", ").append(addressRejected).append(" addresses rejected for good");
        }
        if (refused > 0) {
            b.append(", ").append(refused).append(" messages refused by the server");
        }
        if (senderRefused > 0) {
            b.append(", ")
                    .append(senderRefused)
                    .append(" refused because of the sender (policy or authentication; nobody suppressed)");
        }
        if (unsupported > 0) {
            b.append(", ")
                    .append(unsupported)
                    .append(" left unsent: non-ASCII addresses and the server has no SMTPUTF8");
        }
        if (withoutPauseWeeks > 0) {
            b.append(", ")
                    .append(withoutPauseWeeks)
                    .append(
                            " rows left unsent: no pause_weeks, which their segment's templates use (replay the sink to fill them)");
        }
        if (optedOut > 0) {
            b.append(", ").append(optedOut).append(" skipped: opted out or suppressed after the claim");
        }
        if (deferredWaiting > 0 || deferredNow > 0) {
            b.append(", ")
                    .append(deferredNow)
                    .append(" deferred by the recipient's server (4xx), ")
                    .append(deferredWaiting)
                    .append(" waiting")
                    .append(nextDeferredAttempt == null ? "" : ", next attempt at " + nextDeferredAttempt);
        }
        if (deferredExpired > 0) {
            b.append(", ").append(deferredExpired).append(" given up: deferred past the week's end");
        }
        if (aborted != null) {
            b.append("; stopped early: ").append(aborted);
        }
        return b.toString();
    }
}
