/*-------------------------------------------------------------------------
 *
 * util.c
 *		Helpers of the pict-repo tool shared by the subcommands: escaping the
 *		text that comes from the database or from a job before it reaches a
 *		terminal, a file or a script.
 *
 * Queue names, errors, identifiers, JSON and a command's stderr are chosen
 * by whoever pushed the job or uploaded the file.  Printed raw, a newline
 * forges a line of output, a tab a column, and an ESC (or a C1 control such
 * as U+009B, which some terminals take as CSI) starts a terminal control
 * sequence: clearing the screen, setting the window title.  So every such
 * text goes through tool_escape_to(), which writes:
 *
 *		tab, newline, carriage return	\t  \n  \r
 *		backslash						\\
 *		other C0 controls, DEL			\xHH (lower-case hex)
 *		C1 controls (U+0080-U+009F)		\xHH for each of their two UTF-8 bytes
 *		bytes that are not UTF-8		\xHH
 *		anything else					itself (printable ASCII, UTF-8)
 *
 * Every backslash of the output starts an escape, so the output reads back
 * to exactly the bytes that came in, and it never holds a control byte.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/*
 * Length of the UTF-8 sequence at s (n bytes available): 1 to 4 when it is
 * valid, with its code point in *cp; 0 when it is not.  When the n bytes end
 * inside a sequence that is valid so far, 0 with *partial set.
 */
size_t
tool_utf8_len(const unsigned char *s, size_t n, unsigned int *cp, bool *partial)
{
	size_t		len;
	unsigned int c;

	*partial = false;
	if (n == 0)
		return 0;
	if (s[0] < 0x80)
	{
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, c = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, c = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < len; i++)
	{
		if (i == n)
		{
			*partial = true;
			return 0;
		}
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3F);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))) ||
		(len == 4 && (c < 0x10000 || c > 0x10FFFF)))
		return 0;
	*cp = c;
	return len;
}

static void
put_hex(FILE *out, unsigned char c)
{
	fprintf(out, "\\x%02x", c);
}

/*
 * Write len bytes of s escaped (see the top of the file) to out; returns the
 * bytes consumed, all of them unless TOOL_ESC_PARTIAL is given and s ends
 * inside a UTF-8 sequence (the caller passes those bytes again with what
 * follows).  TOOL_ESC_LINES keeps newlines as they are, for a stream of
 * lines such as a command's stderr.
 */
size_t
tool_escape_to(FILE *out, const char *s, size_t len, int flags)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = u[i];
		unsigned int cp;
		bool		partial;
		size_t		n;

		if (c < 0x80)
		{
			if (c == '\n' && (flags & TOOL_ESC_LINES))
				fputc('\n', out);
			else if (c == '\n')
				fputs("\\n", out);
			else if (c == '\t')
				fputs("\\t", out);
			else if (c == '\r')
				fputs("\\r", out);
			else if (c == '\\')
				fputs("\\\\", out);
			else if (c < 0x20 || c == 0x7F)
				put_hex(out, c);
			else
				fputc(c, out);
			i++;
			continue;
		}
		n = tool_utf8_len(u + i, len - i, &cp, &partial);
		if (n == 0 && partial && (flags & TOOL_ESC_PARTIAL))
			break;
		if (n == 0)
		{
			put_hex(out, c);
			i++;
			continue;
		}
		if (cp <= 0x9F)
		{
			/* A C1 control: its UTF-8 bytes, each escaped. */
			for (size_t k = 0; k < n; k++)
				put_hex(out, u[i + k]);
		}
		else
			fwrite(u + i, 1, n, out);
		i += n;
	}
	return i;
}

/* Write a NUL-terminated text escaped (nothing for NULL). */
void
tool_put(FILE *out, const char *s)
{
	if (s)
		(void) tool_escape_to(out, s, strlen(s), 0);
}

/*
 * Return an escaped copy of s (malloc'd; NULL for NULL or when out of
 * memory), for a column padded with printf.
 */
char *
tool_escaped(const char *s)
{
	char	   *buf = NULL;
	size_t		size = 0;
	FILE	   *f;

	if (!s || !(f = open_memstream(&buf, &size)))
		return NULL;
	tool_put(f, s);
	if (fclose(f) != 0)
	{
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Write a JSON text on one line without a control byte: it stays the same
 * JSON value.  jsonb's text output escapes the C0 controls in strings and
 * puts no newline or tab between tokens; what it leaves raw in a string, DEL
 * and the C1 controls, is written \u00XX here, as would be any C0 control a
 * server sent anyway, and a byte that is not UTF-8 \ufffd (JSON is UTF-8).
 */
void
tool_put_json(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		len = s ? strlen(s) : 0;
	size_t		i = 0;

	while (i < len)
	{
		unsigned int cp;
		bool		partial;
		size_t		n = tool_utf8_len(u + i, len - i, &cp, &partial);

		if (n == 0)
		{
			fputs("\\ufffd", out);
			i++;
		}
		else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
		{
			fprintf(out, "\\u%04x", cp);
			i += n;
		}
		else
		{
			fwrite(u + i, 1, n, out);
			i += n;
		}
	}
}
