-- The campaign email names how many weeks the customer paused (issue: campaign). The segment record
-- carries it (pause_weeks); the sink stores it next to the segment. Nullable: rows written before this
-- migration have no value until the sink rewrites them (a sink replay from 'earliest' fills them in).
ALTER TABLE rec_campaigns_weekly ADD COLUMN pause_weeks smallint;
ALTER TABLE rec_campaigns_weekly ADD CONSTRAINT rec_campaigns_weekly_pause_weeks_check
    CHECK (pause_weeks IS NULL OR pause_weeks >= 1);
