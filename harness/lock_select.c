#include "harness/lock_select.h"

#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"

bool lock_select(const char *option, const char *text, const struct ll_info **selected,
		 size_t *count)
{
	bool wanted[ll_registry_count];
	char *names, *cursor, *name;

	memset(wanted, 0, sizeof wanted);
	names = strdup(text);
	if (names == NULL)
		return false;
	cursor = names;
	while ((name = strsep(&cursor, ",")) != NULL) {
		if (strcmp(name, "all") == 0) {
			for (size_t i = 0; i < ll_registry_count; i++)
				wanted[i] |= !ll_registry[i].control;
			continue;
		}
		const struct ll_info *info = ll_find(name);
		if (info == NULL) {
			cli_error(option, name[0] ? name : "\"\"",
				  "unknown lock (see 'locklab list')");
			free(names);
			return false;
		}
		wanted[info - ll_registry] = true;
	}
	free(names);
	*count = 0;
	for (size_t i = 0; i < ll_registry_count; i++)
		if (wanted[i])
			selected[(*count)++] = &ll_registry[i];
	return true;
}

size_t lock_exclude(const struct ll_info **locks, size_t count, const char *excluded)
{
	size_t kept = 0;

	for (size_t i = 0; i < count; i++) {
		const char *at = strstr(excluded, locks[i]->name);
		size_t len = strlen(locks[i]->name);
		bool named = at != NULL && (at == excluded || at[-1] == ',') &&
			     (at[len] == ',' || at[len] == '\0');
		if (!named)
			locks[kept++] = locks[i];
	}
	return kept;
}
