/*-------------------------------------------------------------------------
 *
 * report.c
 *		pict-repo report: storage_report() as a table, sizes in human units.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tiers.h"


static void
report_usage(FILE *out)
{
	fprintf(out,
			"Usage: pict-repo report\n"
			"\n"
			"Print storage_report() as a table: one line per store and form, most\n"
			"accessible store first, with the number of copies and their size in\n"
			"binary units (KiB, MiB, GiB, ...), then the total.  A store that holds\n"
			"nothing has one line with the form \"-\".  The totals are kept by the\n"
			"server with every change of a copy, so the report is exact and quick\n"
			"however many copies there are.  Names and forms are escaped (\\t, \\n,\n"
			"\\\\, \\xHH).\n"
			"\n"
			"Exit status: 0 success, 2 usage error, 3 server or connection error.\n");
}

/* The widest cell of a column (NULL cells count as "-"), at least the header's. */
static int
column_width(const char *header, char **cells, size_t n)
{
	int			w = (int) strlen(header);

	for (size_t i = 0; i < n; i++)
		if (cells[i] && (int) strlen(cells[i]) > w)
			w = (int) strlen(cells[i]);
	return w;
}

int
cmd_report(int argc, char **argv)
{
	int			rc;
	pr_conn    *conn;
	pr_error	err;
	pr_storage_list *r = NULL;

	if ((rc = tool_no_arguments(argc, argv, "report", report_usage)) >= 0)
		return rc;
	rc = EXIT_OK;
	if (!(conn = tool_connect(&rc)))
		return rc;
	if (pr_storage_report(conn, &r, &err) == PR_ERROR)
		rc = tool_fail("storage_report", &err);
	else
	{
		size_t		n = r->n;
		char	  **store = calloc(n + 1, sizeof(char *));
		char	  **form = calloc(n + 1, sizeof(char *));
		char	  **size = calloc(n + 1, sizeof(char *));
		int64_t		copies = 0,
					bytes = 0;
		bool		ok = store && form && size;

		/* Cells: the names escaped, the sizes in binary units. */
		for (size_t i = 0; ok && i <= n; i++)
		{
			char		b[32];

			tier_format_bytes(i < n ? r->rows[i].bytes : bytes, b, sizeof(b));
			store[i] = i < n ? tool_escaped(r->rows[i].store) : strdup("total");
			form[i] = i < n ? tool_escaped(r->rows[i].form ? r->rows[i].form : "-") : strdup("");
			size[i] = strdup(b);
			ok = store[i] && form[i] && size[i];
			if (i < n)
			{
				copies += r->rows[i].copies;
				bytes += r->rows[i].bytes;
			}
		}
		if (!ok)
		{
			tool_warn("report: out of memory");
			rc = EXIT_SERVER;
		}
		else
		{
			int			ws = column_width("STORE", store, n + 1);
			int			wk = (int) strlen("archive");
			int			wf = column_width("FORM", form, n);
			int			wz = column_width("SIZE", size, n + 1);

			printf("%-*s  %-*s  %8s  %-*s  %12s  %*s\n", ws, "STORE", wk, "KIND", "PRIORITY",
				   wf, "FORM", "COPIES", wz, "SIZE");
			for (size_t i = 0; i < n; i++)
				printf("%-*s  %-*s  %8d  %-*s  %12lld  %*s\n", ws, store[i], wk, r->rows[i].kind,
					   r->rows[i].priority, wf, form[i], (long long) r->rows[i].copies,
					   wz, size[i]);
			printf("%-*s  %-*s  %8s  %-*s  %12lld  %*s\n", ws, store[n], wk, "", "",
				   wf, "", (long long) copies, wz, size[n]);
			if (fflush(stdout) != 0)
				rc = EXIT_SERVER;
		}
		for (size_t i = 0; i <= n; i++)
		{
			if (store)
				free(store[i]);
			if (form)
				free(form[i]);
			if (size)
				free(size[i]);
		}
		free(store);
		free(form);
		free(size);
		pr_storage_list_free(r);
	}
	pr_finish(conn);
	return rc;
}
