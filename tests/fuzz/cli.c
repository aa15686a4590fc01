/*
 * libFuzzer target: the command line's value parsers and the option lists they
 * guard. Byte 0 chooses what the rest (as text) is fed to:
 *   0  cli_parse_uint and cli_parse_double (harness/cli.c)
 *   1  vm_host_open's --site SITE=LOCK[,...] override list (harness/vm_host.c)
 *   2  `locklab run`'s options (run_options_parse, then the blocks they ask
 *      for): the text split at newlines into argv after "run"
 *   3  lock_select's --lock list
 * Errors go to stderr (make fuzz closes it: -close_fd_mask=2); what is checked
 * is that a parser accepts only what it says it does and never crashes.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/lock_select.h"
#include "harness/run_options.h"
#include "harness/vm_host.h"
#include "locks/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void parse_numbers(const char *text)
{
	unsigned long value = 0;
	double real = 0;

	if (cli_parse_uint("--n", text, 3, 1000, &value) && (value < 3 || value > 1000))
		abort();
	if (cli_parse_uint("--n", text, 0, ULONG_MAX, &value) && text[0] == '-')
		abort(); /* "-3" must not wrap to a huge count */
	if (cli_parse_double("--s", text, 0.001, 3600, &real) &&
	    (!(real >= 0.001) || !(real <= 3600)))
		abort();
}

static void parse_sites(const char *text)
{
	struct vm_host_options options = { .lock = "pthread_mutex", .site_locks = text };
	struct vm_host host;
	char why[512];

	why[0] = '\0';
	if (vm_host_open(&options, &host, why, sizeof why) == 0)
		vm_host_close(&host);
	else if (!why[0])
		abort();
}

static void parse_run(char *text)
{
	char *argv[MAX_ARGS + 1] = { "run" }, *dummy[] = { "fuzz", NULL };
	int argc = 1;
	struct run_options o;

	for (char *line = text; line && argc < MAX_ARGS; argc++) {
		argv[argc] = line;
		line = strchr(line, '\n');
		if (line)
			*line++ = '\0';
	}
	argv[argc] = NULL;
	/* A parse that stopped inside "-xy" leaves getopt pointing into the last
	 * argv; locklab parses once per process, the fuzzer once per input. */
	optind = 0;
	(void)getopt(1, dummy, "");
	run_options_defaults(&o, 1);
	if (run_options_parse(argc, argv, &o) == -1)
		(void)run_options_custom_blocks(&o);
}

static void parse_locks(const char *text)
{
	const struct ll_info **selected = calloc(ll_registry_count, sizeof *selected);
	size_t count = 0;

	if (!selected)
		abort();
	if (lock_select("--lock", text, selected, &count)) {
		if (count > ll_registry_count)
			abort();
		for (size_t i = 0; i < count; i++)
			if (!selected[i])
				abort();
		(void)lock_exclude(selected, count, text);
	}
	free(selected);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] & 3u) {
	case 0: parse_numbers(text); break;
	case 1: parse_sites(text); break;
	case 2: parse_run(text); break;
	case 3: parse_locks(text); break;
	}
	free(text);
	return 0;
}
