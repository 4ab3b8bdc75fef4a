-- Where the sink is in each partition it consumes. Written in the same transaction as the rows, so that
-- rows and position can never disagree (SPEC §6): after a crash the sink seeks here, not to Kafka's
-- committed offsets.
CREATE TABLE hfc_sink_offsets (
    group_id    varchar(255) NOT NULL,
    topic       varchar(255) NOT NULL,
    partition   integer      NOT NULL,
    next_offset bigint       NOT NULL,
    updated_at  timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT hfc_sink_offsets_pkey PRIMARY KEY (group_id, topic, partition),
    CONSTRAINT hfc_sink_offsets_offset_check CHECK (next_offset >= 0)
);
