-- The source tables (SPEC §3). They belong to the subscription system; hfc creates them only for the
-- demo, tests and benchmarks ('hfc db migrate --with-source-tables'). No CHECK constraints on status or
-- week: the pipeline must cope with whatever the source system writes (SPEC §7).
CREATE TABLE customer (
    user_id      uuid        NOT NULL,
    email        varchar(64),
    status       varchar(16),
    date_created date,
    CONSTRAINT customer_pkey PRIMARY KEY (user_id)
);

CREATE TABLE subscription (
    subscription_id   uuid        NOT NULL,
    subscription_week varchar(8)  NOT NULL,
    user_id           uuid        NOT NULL,
    status            varchar(16) NOT NULL,
    CONSTRAINT subscription_pkey PRIMARY KEY (subscription_id),
    CONSTRAINT subscription_user_week_key UNIQUE (user_id, subscription_week),
    CONSTRAINT subscription_user_fkey FOREIGN KEY (user_id) REFERENCES customer (user_id) ON DELETE CASCADE
);

-- CDC needs the old row of an update that moves a row to another week or user, and of a delete.
ALTER TABLE customer REPLICA IDENTITY FULL;
ALTER TABLE subscription REPLICA IDENTITY FULL;
