-- Leave half of each heap page free (V3 left a quarter). A batch of the sink that rewrites rows written
-- together (a re-segmentation wave, a replay with changed values) updates most rows of their pages in one
-- transaction; a page must then hold a second version of every row for those updates to stay HOT (same
-- page, no index entries). With a quarter free only a third of them did: `bash bench/sink-update-pattern.sh`
-- counted 163,276 HOT updates of 500,000 at 75 and 465,612 at 50, and `hfc bench sink` wrote updates
-- about 1.6x as fast (BENCHMARKS.md). The price is a table about 1.5x larger. New pages only: rows written
-- before this migration keep their pages until the table is rewritten (VACUUM FULL, or it ages out weekly).
ALTER TABLE rec_campaigns_weekly SET (fillfactor = 50);
