-- The campaign targets (SPEC §3). One row per (target week, customer); the campaign service reads the
-- unsent rows and sets campaign_sent. No foreign key to the source tables: the sink may write to another
-- database, and deleting a customer must never fail because of campaign rows.
CREATE TABLE rec_campaigns_weekly (
    id                uuid         NOT NULL DEFAULT gen_random_uuid(),
    user_id           uuid         NOT NULL,
    email             varchar(64)  NOT NULL,
    segment           varchar(16)  NOT NULL,
    campaign_sent     boolean      NOT NULL DEFAULT false,
    row_created_on    timestamp    NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    subscription_week varchar(8)   NOT NULL,
    subscription_id   uuid         NOT NULL,
    CONSTRAINT rec_campaigns_weekly_pkey PRIMARY KEY (id),
    CONSTRAINT rec_campaigns_weekly_week_user_key UNIQUE (subscription_week, user_id),
    CONSTRAINT rec_campaigns_weekly_segment_check CHECK (segment IN ('low', 'medium', 'high')),
    CONSTRAINT rec_campaigns_weekly_week_check CHECK (subscription_week ~ '^[0-9]{4}-W[0-9]{2}$')
);

COMMENT ON TABLE rec_campaigns_weekly IS 'Weekly pause-campaign targets, kept exact by the hfc sink';
