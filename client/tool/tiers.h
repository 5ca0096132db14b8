/*-------------------------------------------------------------------------
 *
 * tiers.h
 *		Declarations shared by the storage tier subcommands of pict-repo
 *		(stores.c, report.c, tier.c, tier_file.c, tier_command.c): sizes,
 *		durations, the clock, identifiers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PICT_REPO_TIERS_H
#define PICT_REPO_TIERS_H

#include <stdio.h>

#include "tool.h"

/*
 * Files in a file store whose name starts with this are the tool's
 * temporary files (tier copy writes "<dir>/.pict-repo-tmp.<name>" and
 * renames it): no identifier may name one.
 */
#define TIER_TMP_PREFIX ".pict-repo-tmp."

/* tier_util.c */

/* Bytes in binary units: "512 B", "1.5 KiB", "3.25 GiB". */
void		tier_format_bytes(int64_t bytes, char *buf, size_t len);
/* Seconds as H:MM:SS. */
void		tier_format_duration(double secs, char *buf, size_t len);
/* Monotonic seconds. */
double		tier_now(void);
/*
 * Check that an identifier stays inside its store's location: relative, no
 * "." or ".." component, no empty one, no temporary name of the tool.
 * NULL when it is fine, otherwise why not.
 */
const char *tier_identifier_problem(const char *identifier);

#endif							/* PICT_REPO_TIERS_H */
