/*
 * One document written twice at once: report.md (GitHub markdown, figures as
 * links to plots/NAME.svg) and report.html (one self-contained page: CSS and every
 * SVG inline, no script, no network; tables scroll sideways on a phone). Callers
 * describe content once; escaping for each format happens here.
 *
 * Write errors are not checked per call: the caller checks ferror on both files
 * before committing them.
 */
#ifndef LOCKLAB_REPORT_DOC_H
#define LOCKLAB_REPORT_DOC_H

#include <stddef.h>
#include <stdio.h>

struct report_doc {
	FILE *md, *html;
	size_t figures;
	size_t columns;        /* of the open table */
	unsigned wrap_columns; /* bit c: column c's cells may wrap (HTML) */
};

void doc_begin(struct report_doc *doc, const char *title);
void doc_end(struct report_doc *doc);
void doc_heading(struct report_doc *doc, int level, const char *text);
void doc_text(struct report_doc *doc, const char *format, ...) __attribute__((format(printf, 2, 3)));
void doc_table_begin(struct report_doc *doc, size_t columns, const char *const *headers);
/* Lets column (< 32) of the open table wrap in the HTML, so that a narrow screen
 * shows the columns after it; every column is kept on one line otherwise. */
void doc_table_wrap(struct report_doc *doc, size_t column);
void doc_table_row(struct report_doc *doc, const char *const *cells);
void doc_table_end(struct report_doc *doc);

/* A figure: the markdown links relative (plots/x.svg); the HTML inlines the SVG
 * read from svg_path, its ids made unique to this figure. Returns 0, or -1 with
 * errno when svg_path cannot be read or holds no <svg element. */
int doc_figure(struct report_doc *doc, const char *svg_path, const char *relative,
	       const char *caption);

#endif
