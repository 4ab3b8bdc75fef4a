#!/usr/bin/env bash
# Replays the update pass of `hfc bench sink` in psql, with the sink's own upsert statement, and prints
# how many of the 500,000 updates were HOT. See BENCHMARKS.md ("Where the time goes").
#   bash bench/sink-update-pattern.sh                       # local server, database postgres
#   PSQL="psql -h db -U app -d app" bash bench/sink-update-pattern.sh
#   FILLFACTOR=75 bash bench/sink-update-pattern.sh         # the table as migration V3 left it
# Uses a schema of its own (hfc_update_pattern) and drops it at the end.
set -euo pipefail
PSQL=${PSQL:-psql -h 127.0.0.1 -U postgres -d postgres}
FILLFACTOR=${FILLFACTOR:-50} # migration V6
[[ $FILLFACTOR =~ ^[0-9]+$ ]] || { echo "FILLFACTOR must be a number (10-100), got '$FILLFACTOR'" >&2; exit 2; }
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
run() { $PSQL -v ON_ERROR_STOP=1 -q "$@"; }
trap 'run -c "DROP SCHEMA IF EXISTS hfc_update_pattern CASCADE" >/dev/null 2>&1 || true' EXIT

run <<SQL
DROP SCHEMA IF EXISTS hfc_update_pattern CASCADE;
CREATE SCHEMA hfc_update_pattern;
SET search_path = hfc_update_pattern;
-- The shape of rec_campaigns_weekly after the output migrations.
CREATE TABLE t (
    id uuid NOT NULL DEFAULT gen_random_uuid(), user_id uuid NOT NULL, email varchar(64) NOT NULL,
    segment varchar(16) NOT NULL, campaign_sent boolean NOT NULL DEFAULT false,
    row_created_on timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
    subscription_week varchar(8) NOT NULL, subscription_id uuid NOT NULL, pause_weeks smallint,
    PRIMARY KEY (id), UNIQUE (subscription_week, user_id),
    CHECK (segment IN ('low', 'medium', 'high')), CHECK (subscription_week ~ '^[0-9]{4}-W[0-9]{2}\$')
) WITH (fillfactor = $FILLFACTOR);
-- 500,000 rows inserted in 50 batches, as the benchmark's new-rows pass does.
INSERT INTO t (user_id, email, segment, subscription_week, subscription_id, pause_weeks)
SELECT gen_random_uuid(), 'user' || g || '+weekly@example.com', 'low', '2026-W' || (49 + g % 4), gen_random_uuid(), 1 + g % 4
FROM generate_series(1, 500000) g;
-- The changed values, numbered in the table's physical order: batch n rewrites the rows batch n wrote.
CREATE TABLE src AS
SELECT row_number() OVER () AS n, id, user_id, 'changed.' || email AS email, 'medium'::varchar AS segment,
       subscription_week, gen_random_uuid() AS subscription_id, pause_weeks
FROM t;
CREATE INDEX ON src (n);
VACUUM ANALYZE t;
VACUUM ANALYZE src;
SQL

script=$(mktemp)
{
  echo "SET search_path = hfc_update_pattern;"
  echo "CREATE TEMP TABLE stage (id uuid, user_id uuid, email varchar(64), segment varchar(16), subscription_week varchar(8), subscription_id uuid, pause_weeks smallint) ON COMMIT DELETE ROWS;"
  for ((b = 0; b < 50; b++)); do
    echo "BEGIN;
INSERT INTO stage SELECT id, user_id, email, segment, subscription_week, subscription_id, pause_weeks FROM src WHERE n BETWEEN $((b * 10000 + 1)) AND $(((b + 1) * 10000));
INSERT INTO t AS t (id, user_id, email, segment, subscription_week, subscription_id, pause_weeks)
SELECT id, user_id, email, segment, subscription_week, subscription_id, pause_weeks FROM stage ORDER BY subscription_week, user_id
ON CONFLICT (subscription_week, user_id) DO UPDATE
SET email = EXCLUDED.email, segment = EXCLUDED.segment, subscription_id = EXCLUDED.subscription_id, pause_weeks = EXCLUDED.pause_weeks
WHERE NOT t.campaign_sent AND (t.email, t.segment, t.subscription_id, t.pause_weeks)
      IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.segment, EXCLUDED.subscription_id, EXCLUDED.pause_weeks);
COMMIT;"
  done
} > "$script"
start=$(date +%s.%N)
run -f "$script"
end=$(date +%s.%N)
rm -f "$script"
sleep 1 # statistics reach pg_stat_user_tables when the backend reports them
echo "fillfactor $FILLFACTOR, update pass: 500,000 rows in 50 transactions, $(echo "$end - $start" | bc) s"
run -At -c "SELECT 'updates: ' || n_tup_upd || ', of which HOT: ' || n_tup_hot_upd FROM pg_stat_user_tables WHERE schemaname = 'hfc_update_pattern' AND relname = 't'"
