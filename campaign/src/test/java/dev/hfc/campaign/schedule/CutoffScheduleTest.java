package dev.hfc.campaign.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.week.Week;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CutoffScheduleTest {

    private static final CutoffSchedule SATURDAY_9 = CutoffSchedule.DEFAULT;

    @Test
    void theNextCutoffIsTheComingSaturdayAtNineUtc() {
        // Thursday 2026-11-26 (2026-W48)
        Instant thursday = Instant.parse("2026-11-26T12:00:00Z");
        assertThat(SATURDAY_9.nextAfter(thursday)).isEqualTo(Instant.parse("2026-11-28T09:00:00Z"));
        assertThat(SATURDAY_9.weekOf(Instant.parse("2026-11-28T09:00:00Z"))).isEqualTo(Week.parse("2026-W49"));
        // At the cut-off itself, the next one is a week later.
        assertThat(SATURDAY_9.nextAfter(Instant.parse("2026-11-28T09:00:00Z")))
                .isEqualTo(Instant.parse("2026-12-05T09:00:00Z"));
        assertThat(SATURDAY_9.nextAfter(Instant.parse("2026-11-28T08:59:59Z")))
                .isEqualTo(Instant.parse("2026-11-28T09:00:00Z"));
    }

    @Test
    void theLatestCutoffIsAtOrBeforeNow() {
        assertThat(SATURDAY_9.latestAtOrBefore(Instant.parse("2026-11-28T09:00:00Z")))
                .isEqualTo(Instant.parse("2026-11-28T09:00:00Z"));
        assertThat(SATURDAY_9.latestAtOrBefore(Instant.parse("2026-11-28T08:59:59Z")))
                .isEqualTo(Instant.parse("2026-11-21T09:00:00Z"));
    }

    @Test
    void aMissedCutoffIsPendingUntilItsWeekIsNoLongerTheTarget() {
        // Saturday 10:00 and Sunday: the W49 campaign is due and not past.
        assertThat(SATURDAY_9.pendingAt(Instant.parse("2026-11-28T10:00:00Z"))).isEqualTo(Week.parse("2026-W49"));
        assertThat(SATURDAY_9.pendingAt(Instant.parse("2026-11-29T23:59:00Z"))).isEqualTo(Week.parse("2026-W49"));
        // Monday of W49: W49 is under way; the next target is W50, whose cut-off has not come.
        assertThat(SATURDAY_9.pendingAt(Instant.parse("2026-11-30T00:00:00Z"))).isNull();
        // Before Saturday's cut-off nothing is pending.
        assertThat(SATURDAY_9.pendingAt(Instant.parse("2026-11-26T12:00:00Z"))).isNull();
    }

    @Test
    void acrossTheEndOfA53WeekYear() {
        // Saturday 2026-12-26 is in 2026-W52; its campaign is for 2026-W53, the next one for 2027-W01.
        assertThat(SATURDAY_9.weekOf(Instant.parse("2026-12-26T09:00:00Z"))).isEqualTo(Week.parse("2026-W53"));
        Instant next = SATURDAY_9.nextAfter(Instant.parse("2026-12-26T09:00:00Z"));
        assertThat(next).isEqualTo(Instant.parse("2027-01-02T09:00:00Z"));
        assertThat(SATURDAY_9.weekOf(next)).isEqualTo(Week.parse("2027-W01"));
    }

    @Test
    void theCutoffIsCountedInItsZone() {
        CutoffSchedule berlin = new CutoffSchedule(DayOfWeek.FRIDAY, LocalTime.of(18, 30), ZoneId.of("Europe/Berlin"));
        assertThat(berlin.nextAfter(Instant.parse("2026-11-26T12:00:00Z")))
                .isEqualTo(Instant.parse("2026-11-27T17:30:00Z"));
        // Summer time: UTC+2.
        assertThat(berlin.nextAfter(Instant.parse("2026-07-01T00:00:00Z")))
                .isEqualTo(Instant.parse("2026-07-03T16:30:00Z"));
    }
}
