package dev.hfc.campaign.send;

import dev.hfc.campaign.content.CampaignRecipient;
import java.util.UUID;

/**
 * A row of {@code rec_campaigns_weekly} locked by this sender's transaction.
 *
 * @param delivered true when a delivery of this (week, user) is already recorded: an earlier sender was
 *                  accepted by the server and died before marking the row, so it is marked without sending
 */
record ClaimedRow(UUID id, CampaignRecipient recipient, boolean delivered) {}
