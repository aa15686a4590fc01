#include "report/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int csv_fail(struct csv_table *table, char *error, size_t error_size, const char *format,
		    ...) __attribute__((format(printf, 4, 5)));

static int csv_fail(struct csv_table *table, char *error, size_t error_size, const char *format,
		    ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(error, error_size, format, args);
	va_end(args);
	csv_free(table);
	return -1;
}

static int csv_push(struct csv_table *table, size_t *capacity, size_t count, char *field)
{
	if (count == *capacity) {
		size_t grown = *capacity ? *capacity * 2 : 256;
		char **fields = realloc(table->fields, grown * sizeof *fields);

		if (fields == NULL)
			return -1;
		table->fields = fields;
		*capacity = grown;
	}
	table->fields[count] = field;
	return 0;
}

int csv_parse(char *text, struct csv_table *table, char *error, size_t error_size)
{
	size_t capacity = 0, count = 0, row = 1, in_row = 0;
	const char *read = text;
	char *write = text;

	memset(table, 0, sizeof *table);
	table->text = text;
	while (*read != '\0') {
		char *field = write;

		if (*read == '"') {
			read++;
			for (;;) {
				if (*read == '\0')
					return csv_fail(table, error, error_size,
							"row %zu: unterminated quoted field", row);
				if (*read == '"' && read[1] != '"')
					break;
				if (*read == '"')
					read++;
				*write++ = *read++;
			}
			read++;
			if (*read != ',' && *read != '\n' && *read != '\0' &&
			    !(read[0] == '\r' && read[1] == '\n'))
				return csv_fail(table, error, error_size,
						"row %zu: field %zu: text after its closing quote", row,
						in_row + 1);
		} else {
			while (*read != ',' && *read != '\n' && *read != '\0' &&
			       !(read[0] == '\r' && read[1] == '\n')) {
				if (*read == '"')
					return csv_fail(table, error, error_size,
							"row %zu: field %zu: quote inside an unquoted field",
							row, in_row + 1);
				*write++ = *read++;
			}
		}
		/* write never passes read, so the delimiter is looked at before the
		 * terminator may overwrite it. */
		char delimiter = *read;
		*write++ = '\0';
		if (csv_push(table, &capacity, count++, field) != 0)
			return csv_fail(table, error, error_size, "row %zu: out of memory", row);
		in_row++;
		if (delimiter == ',') {
			read++;
			/* A ',' ending the text leaves one empty field still to come. */
			if (*read == '\0' && csv_push(table, &capacity, count++, write - 1) != 0)
				return csv_fail(table, error, error_size, "row %zu: out of memory", row);
			if (*read == '\0')
				in_row++;
			else
				continue;
		} else if (delimiter == '\r') {
			read += 2;
		} else if (delimiter == '\n') {
			read++;
		}
		if (row == 1)
			table->columns = in_row;
		else if (in_row != table->columns)
			return csv_fail(table, error, error_size, "row %zu: %zu fields, the header has %zu",
					row, in_row, table->columns);
		row++;
		in_row = 0;
	}
	if (row == 1)
		return csv_fail(table, error, error_size, "row 1: empty file, no header");
	table->rows = row - 2;
	return 0;
}

int csv_read(const char *path, struct csv_table *table, char *error, size_t error_size)
{
	FILE *file = fopen(path, "rb");
	char *text = NULL;
	size_t size = 0, capacity = 0;

	memset(table, 0, sizeof *table);
	if (file == NULL) {
		snprintf(error, error_size, "cannot open: %s", strerror(errno));
		return -1;
	}
	for (;;) {
		if (capacity - size < 65536) {
			char *grown = realloc(text, capacity + (capacity > 65536 ? capacity : 65536) + 1);

			if (grown == NULL) {
				free(text);
				fclose(file);
				snprintf(error, error_size, "out of memory");
				return -1;
			}
			text = grown;
			capacity += capacity > 65536 ? capacity : 65536;
		}
		size_t got = fread(text + size, 1, capacity - size, file);

		size += got;
		if (got == 0)
			break;
	}
	if (ferror(file)) {
		snprintf(error, error_size, "cannot read: %s", strerror(errno));
		free(text);
		fclose(file);
		return -1;
	}
	fclose(file);
	text[size] = '\0';
	if (strlen(text) != size) {
		free(text);
		snprintf(error, error_size, "holds a NUL byte: not a CSV file");
		return -1;
	}
	return csv_parse(text, table, error, error_size);
}

void csv_free(struct csv_table *table)
{
	free(table->text);
	free(table->fields);
	memset(table, 0, sizeof *table);
}

char *const *csv_row(const struct csv_table *table, size_t index)
{
	return table->fields + (index + 1) * table->columns;
}

size_t csv_row_number(size_t index)
{
	return index + 2;
}

int csv_column(const struct csv_table *table, const char *name)
{
	for (size_t i = 0; i < table->columns; i++)
		if (strcmp(table->fields[i], name) == 0)
			return (int)i;
	return -1;
}
