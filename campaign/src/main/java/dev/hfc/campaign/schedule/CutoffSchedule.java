package dev.hfc.campaign.schedule;

import dev.hfc.core.week.Week;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.Objects;

/**
 * The weekly cut-off (§4): the moment the campaign for the coming week goes out, by default Saturday 09:00
 * UTC. The week a cut-off sends for is the target week at that moment: the week after the current one.
 */
public record CutoffSchedule(DayOfWeek day, LocalTime time, ZoneId zone) {

    public static final CutoffSchedule DEFAULT =
            new CutoffSchedule(DayOfWeek.SATURDAY, LocalTime.of(9, 0), ZoneId.of("UTC"));

    public CutoffSchedule {
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(zone, "zone");
    }

    /** The first cut-off strictly after {@code now}. */
    public Instant nextAfter(Instant now) {
        ZonedDateTime local = now.atZone(zone);
        ZonedDateTime candidate = local.with(TemporalAdjusters.nextOrSame(day)).with(time);
        if (!candidate.toInstant().isAfter(now)) {
            candidate = local.with(TemporalAdjusters.next(day)).with(time);
        }
        return candidate.toInstant();
    }

    /** The last cut-off at or before {@code now}. */
    public Instant latestAtOrBefore(Instant now) {
        ZonedDateTime local = now.atZone(zone);
        ZonedDateTime candidate =
                local.with(TemporalAdjusters.previousOrSame(day)).with(time);
        if (candidate.toInstant().isAfter(now)) {
            candidate = local.with(TemporalAdjusters.previous(day)).with(time);
        }
        return candidate.toInstant();
    }

    /** The week the campaign of a cut-off at {@code cutoff} is for. */
    public Week weekOf(Instant cutoff) {
        return Week.target(cutoff, zone);
    }

    /**
     * The week whose cut-off has passed but which is not yet under way at {@code now}, or null. A sender that
     * starts (or restarts) after a missed cut-off uses this to catch up; once the target week has moved on,
     * the last cut-off's week is no longer campaigned.
     */
    public Week pendingAt(Instant now) {
        Week lastCutoffWeek = weekOf(latestAtOrBefore(now));
        return lastCutoffWeek.equals(Week.target(now, zone)) ? lastCutoffWeek : null;
    }
}
