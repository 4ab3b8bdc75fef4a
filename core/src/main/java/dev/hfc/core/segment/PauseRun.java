package dev.hfc.core.segment;

import dev.hfc.core.week.Week;

/** The pause-length measure of §4. */
public final class PauseRun {

    private PauseRun() {}

    /**
     * The longest run of consecutive {@code paused} weeks among the {@code weeks} weeks starting at
     * {@code from}. A week with no row, {@code active} or {@code cancelled} breaks a run.
     */
    public static int longest(Week from, int weeks, WeekStatuses statuses) {
        int longest = 0;
        int run = 0;
        Week w = from;
        for (int i = 0; i < weeks; i++) {
            if (statuses.statusOf(w) == SubscriptionStatus.PAUSED) {
                run++;
                longest = Math.max(longest, run);
            } else {
                run = 0;
            }
            w = w.plus(1);
        }
        return longest;
    }
}
