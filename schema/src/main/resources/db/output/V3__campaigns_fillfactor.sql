-- Leave a quarter of each heap page free: an update that changes only unindexed columns (segment, email,
-- subscription_id; the sink's whole update path) can then be a HOT update, with the new row version in
-- the same page and no index maintenance. Measured in BENCHMARKS.md ('hfc bench sink').
ALTER TABLE rec_campaigns_weekly SET (fillfactor = 75);
