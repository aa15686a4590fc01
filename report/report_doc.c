#include "report/report_doc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define LONG_CELL 48

static const char page_style[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;"
	"margin:0 auto;padding:0 12px 40px;line-height:1.45;color:#1d1d1d;background:#fff}"
	"h1{font-size:1.5em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}"
	"h3{font-size:1.05em}"
	".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin:.6em 0}"
	"table{border-collapse:collapse;font-size:14px}"
	"th,td{border:1px solid #d0d0d0;padding:3px 8px;text-align:left;vertical-align:top;"
	"white-space:nowrap}"
	"th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"td.w{white-space:normal;min-width:18em;max-width:36em}"
	"td.k{white-space:normal;min-width:7em}"
	"figure{margin:1em 0}figure .plot{overflow-x:auto}"
	"figure svg{width:100%;min-width:560px;height:auto;display:block}"
	"figcaption{font-size:13px;color:#555}"
	"code{font-size:.92em}";

static void html_escaped(FILE *out, const char *text)
{
	for (; *text; text++) {
		switch (*text) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			fputc(*text, out);
		}
	}
}

/* Paragraph text: markdown's `code` spans become <code> (an unpaired backtick
 * is kept as it is). */
static void html_with_code(FILE *out, char *text)
{
	char *open;

	while ((open = strchr(text, '`')) != NULL && strchr(open + 1, '`') != NULL) {
		char *close = strchr(open + 1, '`');

		*open = *close = '\0';
		html_escaped(out, text);
		fputs("<code>", out);
		html_escaped(out, open + 1);
		fputs("</code>", out);
		text = close + 1;
	}
	html_escaped(out, text);
}

/* Markdown table cells: '|' would end the cell, a line break the row. */
static void md_cell(FILE *out, const char *text)
{
	for (; *text; text++) {
		if (*text == '|')
			fputs("\\|", out);
		else if (*text == '\n')
			fputc(' ', out);
		else
			fputc(*text, out);
	}
}

void doc_begin(struct report_doc *doc, const char *title)
{
	fprintf(doc->md, "# %s\n\n", title);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      doc->html);
	html_escaped(doc->html, title);
	fprintf(doc->html, "</title>\n<style>%s</style>\n</head><body>\n<h1>", page_style);
	html_escaped(doc->html, title);
	fputs("</h1>\n", doc->html);
}

void doc_end(struct report_doc *doc)
{
	fputs("</body></html>\n", doc->html);
}

void doc_heading(struct report_doc *doc, int level, const char *text)
{
	fprintf(doc->md, "%.*s %s\n\n", level, "######", text);
	fprintf(doc->html, "<h%d>", level);
	html_escaped(doc->html, text);
	fprintf(doc->html, "</h%d>\n", level);
}

void doc_text(struct report_doc *doc, const char *format, ...)
{
	char text[4096];
	va_list args;

	va_start(args, format);
	vsnprintf(text, sizeof text, format, args);
	va_end(args);
	fprintf(doc->md, "%s\n\n", text);
	fputs("<p>", doc->html);
	html_with_code(doc->html, text);
	fputs("</p>\n", doc->html);
}

void doc_table_begin(struct report_doc *doc, size_t columns, const char *const *headers)
{
	doc->columns = columns;
	fputs("<div class=\"scroll\"><table>\n<tr>", doc->html);
	for (size_t i = 0; i < columns; i++) {
		fputs(i ? " " : "|", doc->md);
		md_cell(doc->md, headers[i]);
		fputs(" |", doc->md);
		fputs("<th>", doc->html);
		html_escaped(doc->html, headers[i]);
		fputs("</th>", doc->html);
	}
	fputs("\n|", doc->md);
	for (size_t i = 0; i < columns; i++)
		fputs("---|", doc->md);
	fputs("\n", doc->md);
	fputs("</tr>\n", doc->html);
}

/* A cell that reads as a number, alone or followed by a range or a note ("4.00",
 * "3.80–4.20", "4 (2x CPUs)"), is right-aligned in the HTML; "21338ec" or a
 * kernel version is text. */
static int numeric(const char *text)
{
	char *end;

	if (!((text[0] >= '0' && text[0] <= '9') || (text[0] == '-' && text[1] >= '0' && text[1] <= '9')))
		return 0;
	strtod(text, &end);
	return *end == '\0' || *end == ' ' || strncmp(end, "–", strlen("–")) == 0;
}

void doc_table_row(struct report_doc *doc, const char *const *cells)
{
	fputs("<tr>", doc->html);
	for (size_t i = 0; i < doc->columns; i++) {
		fputs(i ? " " : "|", doc->md);
		md_cell(doc->md, cells[i]);
		fputs(" |", doc->md);
		/* A long list (ties, flagged locks) wraps instead of widening the table. */
		fputs(numeric(cells[i])		       ? "<td class=\"n\">"
		      : strlen(cells[i]) > LONG_CELL    ? "<td class=\"w\">"
		      : doc->wrap_columns & (1u << i) ? "<td class=\"k\">"
						       : "<td>",
		      doc->html);
		html_escaped(doc->html, cells[i]);
		fputs("</td>", doc->html);
	}
	fputs("\n", doc->md);
	fputs("</tr>\n", doc->html);
}

void doc_table_wrap(struct report_doc *doc, size_t column)
{
	if (column < 32)
		doc->wrap_columns |= 1u << column;
}

void doc_table_end(struct report_doc *doc)
{
	doc->wrap_columns = 0;
	fputs("\n", doc->md);
	fputs("</table></div>\n", doc->html);
	doc->columns = 0;
}

static char *read_all(const char *path)
{
	FILE *file = fopen(path, "rb");
	char *text;
	long size;

	if (file == NULL)
		return NULL;
	if (fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 ||
	    fseek(file, 0, SEEK_SET) != 0 || (text = malloc((size_t)size + 1)) == NULL) {
		fclose(file);
		return NULL;
	}
	if (fread(text, 1, (size_t)size, file) != (size_t)size) {
		free(text);
		fclose(file);
		errno = EIO;
		return NULL;
	}
	text[size] = '\0';
	fclose(file);
	return text;
}

/* Copies an SVG document's <svg> element into the page. Several gnuplot SVGs in
 * one page would share ids (gpPt0, gnuplot_canvas...) and a later figure's
 * references would resolve to the first one's definitions, so every id and
 * reference gets the figure's own prefix. gnuplot's title becomes the caption. */
static void inline_svg(FILE *out, const char *svg, size_t figure, const char *caption)
{
	static const char *const id_marks[] = { "id='", "id=\"", "href='#", "href=\"#", "url(#" };
	static const char gnuplot_title[] = "<title>Gnuplot</title>";

	while (*svg) {
		size_t matched = 0;

		/* The title a browser shows on hover: the caption, not the program. */
		if (strncmp(svg, gnuplot_title, strlen(gnuplot_title)) == 0) {
			fputs("<title>", out);
			html_escaped(out, caption);
			fputs("</title>", out);
			svg += strlen(gnuplot_title);
			continue;
		}

		for (size_t m = 0; m < sizeof id_marks / sizeof id_marks[0] && !matched; m++)
			if (strncmp(svg, id_marks[m], strlen(id_marks[m])) == 0)
				matched = strlen(id_marks[m]);
		if (matched) {
			fwrite(svg, 1, matched, out);
			fprintf(out, "f%zu-", figure);
			svg += matched;
		} else {
			fputc(*svg++, out);
		}
	}
}

int doc_figure(struct report_doc *doc, const char *svg_path, const char *relative,
	       const char *caption)
{
	char *svg = read_all(svg_path);
	char *start;

	if (svg == NULL)
		return -1;
	start = strstr(svg, "<svg");
	if (start == NULL) {
		free(svg);
		errno = EINVAL;
		return -1;
	}
	doc->figures++;
	fprintf(doc->md, "![%s](%s)\n\n", caption, relative);
	fputs("<figure><div class=\"plot\">\n", doc->html);
	inline_svg(doc->html, start, doc->figures, caption);
	fputs("</div><figcaption>", doc->html);
	html_escaped(doc->html, caption);
	fputs("</figcaption></figure>\n", doc->html);
	free(svg);
	return 0;
}
