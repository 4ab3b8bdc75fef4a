-- The win-back measurement (issue 17).
--
-- hfc_campaign_control: the targets the campaign sender held back for a week (its control group), chosen
-- per (week, user) from a salted hash; recorded once, so reruns and several senders agree, and never emailed
-- for that week. Their rows in rec_campaigns_weekly stay unsent.
CREATE TABLE hfc_campaign_control (
    subscription_week varchar(8)  NOT NULL,
    user_id           uuid        NOT NULL,
    email             varchar(64) NOT NULL,
    segment           varchar(16) NOT NULL,
    held_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT hfc_campaign_control_pkey PRIMARY KEY (subscription_week, user_id)
);

-- hfc_campaign_outcomes: how a target ended, written by the sink in the transaction that applies the
-- segmenter's tombstone (the reason travels in the tombstone's hfc.end-reason header), next to the row and
-- without touching it. A target that is paused again later loses its outcome (it is a target again);
-- a target without an outcome stayed paused. outcome_at is the source change's time (the record timestamp).
CREATE TABLE hfc_campaign_outcomes (
    subscription_week varchar(8)  NOT NULL,
    user_id           uuid        NOT NULL,
    segment           varchar(16) NOT NULL,
    outcome           varchar(32) NOT NULL,
    outcome_at        timestamptz NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT hfc_campaign_outcomes_pkey PRIMARY KEY (subscription_week, user_id),
    CONSTRAINT hfc_campaign_outcomes_outcome_check CHECK (outcome IN ('resumed', 'cancelled', 'subscription-deleted',
        'customer-deleted', 'email-unusable', 'not-targeted', 'unknown'))
);
