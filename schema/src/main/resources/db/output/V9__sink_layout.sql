-- The partition count of the segments topic each sink group was built on. Keys are hashed to partitions:
-- with another count a key's newer records land in another partition than its older ones, and the order
-- between them is lost, so a sink refuses to start when the topic's count is not the recorded one.
CREATE TABLE hfc_sink_layout (
    group_id    varchar(255) NOT NULL,
    topic       varchar(255) NOT NULL,
    partitions  integer      NOT NULL,
    recorded_at timestamptz  NOT NULL DEFAULT now(),
    CONSTRAINT hfc_sink_layout_pkey PRIMARY KEY (group_id, topic)
);
