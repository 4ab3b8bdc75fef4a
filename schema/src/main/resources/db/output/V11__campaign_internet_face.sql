-- The campaign sender on the open internet (issue 26).
--
-- hfc_campaign_deferrals: a recipient whose mail server answered 4xx for that recipient alone (mailbox full,
-- greylisting) is deferred, not the whole run: the row stays unsent and is not claimed again before
-- next_attempt_at (backoff doubling with each attempt). A row whose next attempt would fall after the
-- deadline (the end of its target week) is given up: expired, reported, never claimed again for that week.
CREATE TABLE hfc_campaign_deferrals (
    subscription_week varchar(8)   NOT NULL,
    user_id           uuid         NOT NULL,
    email             varchar(255) NOT NULL,
    attempts          integer      NOT NULL,
    last_reply        text         NOT NULL,
    first_deferred_at timestamptz  NOT NULL DEFAULT now(),
    next_attempt_at   timestamptz  NOT NULL,
    expired           boolean      NOT NULL DEFAULT false,
    CONSTRAINT hfc_campaign_deferrals_pkey PRIMARY KEY (subscription_week, user_id)
);

-- hfc_campaign_assignments: the targets a run claimed to email (the treatment arm), recorded in the claim's
-- transaction as the control group is in hfc_campaign_control. The report compares the two arms as assigned
-- (intention to treat): a target refused at sending, deferred, or skipped at the last moment stays in its arm.
CREATE TABLE hfc_campaign_assignments (
    subscription_week varchar(8)  NOT NULL,
    user_id           uuid        NOT NULL,
    assigned_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT hfc_campaign_assignments_pkey PRIMARY KEY (subscription_week, user_id)
);

-- hfc_campaign_webhook_events: the Standard Webhooks message ids of the bounce webhook already applied; a
-- replay of one (a captured request sent again, a provider's retry) changes nothing.
CREATE TABLE hfc_campaign_webhook_events (
    webhook_id  varchar(255) PRIMARY KEY,
    received_at timestamptz  NOT NULL DEFAULT now()
);

-- Addresses are now stored in their canonical form (domain in IDNA ASCII, lower case; V12 rewrites the
-- existing rows): an internationalised domain in punycode can be longer than the 64 characters of old.
ALTER TABLE hfc_campaign_suppressions ALTER COLUMN email TYPE varchar(255);
ALTER TABLE hfc_campaign_deliveries ALTER COLUMN email TYPE varchar(255);
ALTER TABLE hfc_campaign_control ALTER COLUMN email TYPE varchar(255);
