package dev.hfc.campaign.content;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import java.util.Objects;
import java.util.UUID;

/** One row of {@code rec_campaigns_weekly} as the campaign sees it: who, which week, which segment. */
public record CampaignRecipient(UUID userId, String email, Week week, Segment segment, int pauseWeeks,
                                UUID subscriptionId) {

    public CampaignRecipient {
        Objects.requireNonNull(userId, "user_id");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(week, "week");
        Objects.requireNonNull(segment, "segment");
        if (pauseWeeks < 1) {
            throw new IllegalArgumentException("pause_weeks must be at least 1, got " + pauseWeeks);
        }
    }

    /** "2026-W49 user 0000…" for log lines and error messages. */
    public String describe() {
        return week + " user " + userId;
    }
}
