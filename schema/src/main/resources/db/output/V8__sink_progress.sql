-- The sink's progress, for readers that must know how current rec_campaigns_weekly is (the campaign
-- sender will not send from a table that is behind its topic). Every sink consumer upserts its row about
-- once a second: how many records of its partitions are not in the table yet (NULL while unknown), and when
-- it last looked. A consumer that stops cleanly deletes its row; a killed one's row goes stale.
CREATE TABLE hfc_sink_progress (
    group_id    varchar(255) NOT NULL,
    member      varchar(255) NOT NULL,
    lag_records bigint,
    updated_at  timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT hfc_sink_progress_pkey PRIMARY KEY (group_id, member)
);
