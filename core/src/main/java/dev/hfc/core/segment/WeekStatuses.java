package dev.hfc.core.segment;

import dev.hfc.core.week.Week;

/** What is known of one customer's subscription weeks: the status of a week, or null when it has no row. */
@FunctionalInterface
public interface WeekStatuses {
    SubscriptionStatus statusOf(Week week);
}
