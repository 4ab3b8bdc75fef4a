package dev.hfc.campaign.delivery;

import dev.hfc.core.week.Week;
import java.util.UUID;

/**
 * The Message-ID of a campaign email, derived from (week, user) alone: every copy of the same campaign
 * message carries the same one, so a receiving system can drop a repeat sent after a crash.
 */
public final class MessageIds {

    private MessageIds() {}

    /** {@code <hfc-campaign.2026-W49.<user_id>@domain>}. */
    public static String of(Week week, UUID userId, String domain) {
        return "<hfc-campaign." + week + "." + userId + "@" + domain + ">";
    }
}
