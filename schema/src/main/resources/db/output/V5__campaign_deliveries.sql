-- The campaign sender's own records ('hfc campaign').
--
-- A delivery is written, in a transaction of its own, as soon as the SMTP server accepted a message;
-- the rec_campaigns_weekly row is marked sent afterwards. A sender that dies between the two leaves the
-- delivery here, and the next sender marks the row without sending again: only a message in flight at
-- the moment of a crash (accepted, delivery not yet stored) can be sent twice, and it carries the same
-- Message-ID both times.
CREATE TABLE hfc_campaign_deliveries (
    subscription_week varchar(8)   NOT NULL,
    user_id           uuid         NOT NULL,
    email             varchar(64)  NOT NULL,
    segment           varchar(16)  NOT NULL,
    message_id        varchar(255) NOT NULL,
    sent_at           timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT hfc_campaign_deliveries_pkey PRIMARY KEY (subscription_week, user_id)
);

-- Addresses the mail server rejected permanently (an SMTP 5xx for the recipient) or that are not valid
-- addresses at all: they are not tried again, week after week, until an operator deletes the row.
CREATE TABLE hfc_campaign_suppressions (
    email             varchar(64)  NOT NULL,
    reason            text         NOT NULL,
    smtp_code         integer,
    subscription_week varchar(8)   NOT NULL,
    user_id           uuid         NOT NULL,
    rejected_at       timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT hfc_campaign_suppressions_pkey PRIMARY KEY (email)
);
