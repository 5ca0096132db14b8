/*
 * media.h: the sections of the file service's benchmark (bench/media.c),
 * listed in bench.c's table of sections.
 */
#ifndef PICT_REPO_BENCH_MEDIA_H
#define PICT_REPO_BENCH_MEDIA_H

#define MEDIA_SECTIONS \
	{"media", "File service: list_media", \
		"N uploads of M owners (a skewed spread: the largest owner has about 1% of them, a typical one about 100), " \
		"seven content types, widths 200-6000, 0-3 tags each out of 200 (cat on about a quarter, tag150 on about " \
		"0.2%), 15% private, 7% animated; loaded through the tables, then VACUUM ANALYZE. One process, one call at a " \
		"time through `pr_list_media` (lim 100): the first page, and page 10 (through the cursor of page 9's last row). " \
		"Scan: the same call with `enable_indexscan`, `enable_bitmapscan` and `enable_indexonlyscan` off (a sequential " \
		"scan), in the same run; for the filters whose tags are walked in alias_tags (every tag filter without an owner), " \
		"which that makes a nested loop of scans, the scan is a query over the aliases with the same conditions, first page only. Ratio: scan p50 / index p50, first page.", \
	{"filter", "rows", "p50", "p99", "page 10 p50", "page 10 p99", "scan p50", "scan page 10 p50", "ratio"}}, \
	{"media_usage", "File service: usage_report", \
		"`usage_report()` from the sharded totals against the GROUP BY it replaces (`count(*)`, `sum(bytes)` over the " \
		"aliases), prepared, one process, one call at a time.", \
	{"call", "calls", "p50", "p99", "GROUP BY p50", "GROUP BY p99", "ratio p50"}}, \
	{"media_ingest", "File service: ingest with metadata", \
		"4 processes store N uploads each way, best of the rounds (interleaved). Today's `ingest()` (`pr_ingest`, no metadata) " \
		"and with metadata (`pr_ingest_ex`: owner, two tags, access, bytes), both with the file service's indexes and totals; " \
		"and today's `ingest()` with the file service's ten indexes of aliases dropped for the run (what 1.2's ingest wrote, " \
		"plus the totals). One call per upload waits for a WAL flush per upload; the pipelined batches (one commit per 100) " \
		"show the CPU the indexes cost. Ratios: to today's calls of the same kind, and to the same calls without the indexes.", \
	{"mode", "uploads/s", "WAL B/upload", "ratio to today's ingest", "ratio to the same without the file service's indexes"}},

#endif
