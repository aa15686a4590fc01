/*
 * An RFC 4180 reader for the bundle's CSV files: fields separated by ',', records
 * by LF or CRLF, a field may be quoted ("a,b", with "" for a quote inside and line
 * breaks kept). The first record is the header; every record must have as many
 * fields as it has (a short row is how a truncated file shows).
 *
 * Rows are numbered as a person counts records in the file: the header is row 1,
 * the first data row row 2 (the line number, as long as no field holds a line
 * break). Errors name that number.
 *
 * Ownership: a csv_table owns one copy of the file's text, parsed in place, and
 * the array of field pointers into it; csv_free releases both. Field strings stay
 * valid until then.
 */
#ifndef LOCKLAB_REPORT_CSV_H
#define LOCKLAB_REPORT_CSV_H

#include <stddef.h>

struct csv_table {
	char *text;
	char **fields;  /* (rows + 1) * columns: the header, then each data row */
	size_t columns; /* fields in the header */
	size_t rows;    /* data rows, the header not counted */
};

/*
 * Reads path into *table. Returns 0, or -1 with *table empty (csv_free is safe on
 * it) and a one-line reason in error ("cannot open: No such file or directory",
 * "row 17: 12 fields, the header has 49", "row 3: unterminated quoted field"),
 * without the path: the caller knows which file it asked for.
 */
int csv_read(const char *path, struct csv_table *table, char *error, size_t error_size);

/* Parses text (NUL-terminated, taken over: csv_free frees it) like csv_read. */
int csv_parse(char *text, struct csv_table *table, char *error, size_t error_size);

void csv_free(struct csv_table *table);

/* The fields of data row index (0-based), columns of them. */
char *const *csv_row(const struct csv_table *table, size_t index);

/* The number a person would give data row index: index + 2. */
size_t csv_row_number(size_t index);

/* The header's column called name, or -1 when there is none. */
int csv_column(const struct csv_table *table, const char *name);

#endif
