package dev.hfc.campaign.content;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.util.Objects;
import java.util.UUID;

/**
 * One row of {@code rec_campaigns_weekly} as the campaign sees it: who, which week, which segment.
 *
 * @param pauseWeeks the length of the pause, or null for a row written without it (before migration V4, or
 *                   by a writer that follows the table's original columns)
 */
public record CampaignRecipient(
        UUID userId, String email, Week week, Segment segment, Integer pauseWeeks, UUID subscriptionId) {

    public CampaignRecipient {
        Objects.requireNonNull(userId, "user_id");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(week, "week");
        Objects.requireNonNull(segment, "segment");
        if (pauseWeeks != null && pauseWeeks < 1) {
            throw new IllegalArgumentException("pause_weeks must be at least 1, got " + pauseWeeks);
        }
    }

    /** "2026-W49 user 0000…" for log lines and error messages. */
    public String describe() {
        return week + " user " + userId;
    }
}
