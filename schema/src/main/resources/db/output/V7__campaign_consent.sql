-- Consent and deliverability feedback for the campaign sender ('hfc campaign').
--
-- Opt-outs are consent: who asked not to get the campaign, when and how. They are kept apart from
-- hfc_campaign_suppressions (addresses that cannot receive mail), so that re-subscribing someone never
-- revives a dead address, and cleaning the bounce list never re-subscribes anyone. A row names a customer
-- (one-click and link unsubscribes carry the user id), an address (mailto, webhook, operator), or both;
-- the sender skips a row of rec_campaigns_weekly whose user or email is here. Re-subscribing is deleting
-- the row ('hfc campaign resubscribe').
CREATE TABLE hfc_campaign_optouts (
    id           bigserial    PRIMARY KEY,
    user_id      uuid,
    email        varchar(255),
    how          varchar(16)  NOT NULL CHECK (how IN ('one-click', 'link', 'mailto', 'webhook', 'operator')),
    detail       text,
    opted_out_at timestamptz  NOT NULL DEFAULT now(),
    CHECK (user_id IS NOT NULL OR email IS NOT NULL)
);
CREATE UNIQUE INDEX hfc_campaign_optouts_user ON hfc_campaign_optouts (user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX hfc_campaign_optouts_address ON hfc_campaign_optouts (email) WHERE user_id IS NULL;
CREATE INDEX hfc_campaign_optouts_email ON hfc_campaign_optouts (email);

-- Bounces and complaints reported after the send (POST /webhooks/bounces). One row per event; a repeat of
-- the same event (same address, type, message id and event id) is ignored.
CREATE TABLE hfc_campaign_bounces (
    id          bigserial    PRIMARY KEY,
    email       varchar(255) NOT NULL,
    type        varchar(16)  NOT NULL CHECK (type IN ('hard', 'soft', 'complaint')),
    message_id  varchar(255),
    event_id    varchar(255),
    reason      text,
    received_at timestamptz  NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX hfc_campaign_bounces_event
    ON hfc_campaign_bounces (email, type, COALESCE(message_id, ''), COALESCE(event_id, ''));

-- A suppression may now come from a bounce report that names no delivery of ours.
ALTER TABLE hfc_campaign_suppressions ALTER COLUMN subscription_week DROP NOT NULL;
ALTER TABLE hfc_campaign_suppressions ALTER COLUMN user_id DROP NOT NULL;

-- Secrets the sender generated itself when none was configured (the unsubscribe token key). Never logged.
CREATE TABLE hfc_campaign_secrets (
    name       varchar(64) PRIMARY KEY,
    value      bytea       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
