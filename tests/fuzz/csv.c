/*
 * libFuzzer target: the bundle's CSV reader (report/csv.c, csv_parse) on
 * arbitrary text, then every accessor over what it accepted: each row's fields
 * are read to their NUL, each header name looked up again.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), error[256];
	struct csv_table table;
	size_t total = 0;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (csv_parse(text, &table, error, sizeof error) != 0) {
		if (!error[0] || table.rows || table.fields)
			abort(); /* a refusal says why and leaves the table empty */
		csv_free(&table);
		return 0;
	}
	for (size_t c = 0; c < table.columns; c++)
		if (csv_column(&table, table.fields[c]) < 0)
			abort();
	for (size_t r = 0; r < table.rows; r++) {
		char *const *row = csv_row(&table, r);

		for (size_t c = 0; c < table.columns; c++)
			total += strlen(row[c]);
	}
	(void)total;
	csv_free(&table);
	return 0;
}
