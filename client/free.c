/*-------------------------------------------------------------------------
 *
 * free.c
 *		libpictrepo: freeing what the library returned (every result is one
 *		allocation, so each free is free()).
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "pr_internal.h"

/* Free anything the library returned. */
void
pr_free(void *p)
{
	free(p);
}

void pr_strings_free(pr_strings *p) { free(p); }
void pr_hash_list_free(pr_hash_list *p) { free(p); }
void pr_variant_list_free(pr_variant_list *p) { free(p); }
void pr_ingest_result_free(pr_ingest_result *p) { free(p); }
void pr_alias_access_list_free(pr_alias_access_list *p) { free(p); }
void pr_variant_access_list_free(pr_variant_access_list *p) { free(p); }
void pr_job_list_free(pr_job_list *p) { free(p); }
void pr_uuid_list_free(pr_uuid_list *p) { free(p); }
void pr_queue_stats_list_free(pr_queue_stats_list *p) { free(p); }
void pr_push_results_free(pr_push_results *p) { free(p); }
void pr_ingest_results_free(pr_ingest_results *p) { free(p); }
void pr_dead_job_list_free(pr_dead_job_list *p) { free(p); }
