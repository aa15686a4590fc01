/* locklab c2c: the core-to-core round-trip matrix and the atomic-cost table. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/bundle_schema.h"
#include "harness/atomics.h"
#include "harness/bundle_target.h"
#include "harness/c2c.h"
#include "harness/cli.h"
#include "harness/fingerprint.h"
#include "harness/topology.h"

#define C2C_DEFAULT_SAMPLES 21
#define C2C_DEFAULT_ROUND_TRIPS 2000
#define C2C_DEFAULT_PAIRS 240 /* every ordered pair of 16 PUs */

static void c2c_usage(FILE *out)
{
	fprintf(out,
		"usage: locklab c2c [--samples N] [--round-trips N] [--pairs N] [--seed K]\n"
		"                   [--out DIR | --bundle DIR]\n"
		"Measures the cache-line round trip between every ordered pair of the PUs this\n"
		"process may use (median, p99 and minimum per machine phase) into c2c.csv, and\n"
		"the cost of load, store, CAS, fetch-and-add and swap on a line last written by\n"
		"the same PU, an SMT sibling, a core sharing a cache, a core of the same node and\n"
		"a core of another node into atomics.csv.\n"
		"  --samples N      probes per pair (default %d)\n"
		"  --round-trips N  round trips per probe (default %d)\n"
		"  --pairs N        at most N ordered pairs, a seeded sample when there are more\n"
		"                   (default %d: all pairs of 16 PUs)\n"
		"  --seed K         which pairs are sampled (default 1)\n"
		"  --out DIR        a new bundle (default: results/<stamp>-<host>)\n"
		"  --bundle DIR     add the two files to an existing bundle (never replaced)\n"
		"  --help           this text\n",
		C2C_DEFAULT_SAMPLES, C2C_DEFAULT_ROUND_TRIPS, C2C_DEFAULT_PAIRS);
}

static void c2c_number(FILE *out, double value)
{
	if (isnan(value))
		fputc(',', out);
	else
		fprintf(out, ",%.1f", value);
}

static int c2c_write(const struct bundle *bundle, const struct c2c_row *rows, size_t count)
{
	FILE *out = bundle_open(bundle, BUNDLE_C2C);

	if (out == NULL)
		return -1;
	fputs(BUNDLE_C2C_COLUMNS "\n", out);
	for (size_t i = 0; i < count; i++) {
		fprintf(out, "%u,%u,%s,%s,%u", rows[i].cpu_a, rows[i].cpu_b, rows[i].relation,
			phase_name(rows[i].phase), rows[i].samples);
		c2c_number(out, rows[i].median_ns);
		c2c_number(out, rows[i].p99_ns);
		c2c_number(out, rows[i].min_ns);
		fputc('\n', out);
	}
	return bundle_commit(bundle, BUNDLE_C2C, out);
}

static int atomics_write(const struct bundle *bundle, const struct atomics_row *rows, size_t count,
			 double overhead_ns)
{
	FILE *out = bundle_open(bundle, BUNDLE_ATOMICS);

	if (out == NULL)
		return -1;
	fputs(BUNDLE_ATOMICS_COLUMNS "\n", out);
	for (size_t i = 0; i < count; i++) {
		const struct atomics_row *r = &rows[i];

		fprintf(out, "%s,%s,", atomics_op_name(r->op), atomics_relation_name(r->relation));
		if (r->cpu_a >= 0)
			fprintf(out, "%d,%d,%u", r->cpu_a, r->cpu_b, r->samples);
		else
			fputs(",,0", out);
		c2c_number(out, r->median_ns);
		c2c_number(out, r->mean_ns);
		c2c_number(out, r->p99_ns);
		c2c_number(out, overhead_ns);
		/* Reasons hold no comma or quote; quoted anyway, per RFC 4180. */
		fprintf(out, ",%s%s%s\n", r->skip[0] ? "\"" : "", r->skip, r->skip[0] ? "\"" : "");
	}
	return bundle_commit(bundle, BUNDLE_ATOMICS, out);
}

/* The phase with the most rows: the one the printed matrix shows. */
static enum phase c2c_main_phase(const struct c2c_row *rows, size_t count)
{
	size_t per[3] = { 0 };
	int best = 0;

	for (size_t i = 0; i < count; i++)
		per[rows[i].phase] += rows[i].samples;
	for (int p = 1; p < 3; p++)
		if (per[p] > per[best])
			best = p;
	return (enum phase)best;
}

static void c2c_print(const unsigned *cpus, size_t n, const struct c2c_row *rows, size_t count,
		      const struct phase_fit *fit)
{
	enum phase main = c2c_main_phase(rows, count);

	if (fit->two_phases)
		printf("machine phases: fast ~%.0f ns, slow ~%.0f ns (threshold %.0f); matrix from "
		       "the %s phase\n",
		       fit->fast_ns, fit->slow_ns, fit->threshold_ns, phase_name(main));
	printf("round trip, median ns (row: initiator, column: responder)\n%6s", "");
	for (size_t j = 0; j < n && j < 64; j++)
		printf(" %6u", cpus[j]);
	putchar('\n');
	for (size_t i = 0; i < n && i < 64; i++) {
		printf("%6u", cpus[i]);
		for (size_t j = 0; j < n && j < 64; j++) {
			const struct c2c_row *found = NULL;
			for (size_t k = 0; k < count && !found; k++)
				if (rows[k].cpu_a == cpus[i] && rows[k].cpu_b == cpus[j] &&
				    rows[k].phase == main)
					found = &rows[k];
			if (found)
				printf(" %6.0f", found->median_ns);
			else
				printf(" %6s", i == j ? "." : "-");
		}
		putchar('\n');
	}
}

static void atomics_print(const struct atomics_row *rows, size_t count, double overhead_ns)
{
	printf("atomic operations, mean ns on a line last written by (timer overhead %.1f ns "
	       "taken off):\n%-8s",
	       overhead_ns, "");
	for (int r = 0; r < ATOMICS_RELATION_COUNT; r++)
		printf(" %8s", atomics_relation_name((enum atomics_relation)r));
	putchar('\n');
	for (int op = 0; op < ATOMICS_OP_COUNT; op++) {
		printf("%-8s", atomics_op_name((enum atomics_op)op));
		for (size_t i = 0; i < count; i++)
			if (rows[i].op == (enum atomics_op)op) {
				if (rows[i].skip[0])
					printf(" %8s", "-");
				else
					printf(" %8.1f", rows[i].mean_ns);
			}
		putchar('\n');
	}
	for (size_t i = 0; i < count; i++)
		if (rows[i].skip[0] && rows[i].op == ATOMICS_LOAD)
			printf("  %s: skipped: %s\n", atomics_relation_name(rows[i].relation),
			       rows[i].skip);
}

int cmd_c2c(int argc, char **argv)
{
	static const struct option options[] = {
		{ "samples", required_argument, NULL, 's' },
		{ "round-trips", required_argument, NULL, 'r' },
		{ "pairs", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct c2c_options o = { C2C_DEFAULT_SAMPLES, C2C_DEFAULT_ROUND_TRIPS, C2C_DEFAULT_PAIRS,
				 1 };
	const char *out_dir = NULL, *into = NULL;
	unsigned long value;
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (!cli_parse_uint("--samples", optarg, 1, 10000, &value))
				return EXIT_USAGE;
			o.samples = (unsigned)value;
			break;
		case 'r':
			if (!cli_parse_uint("--round-trips", optarg, 1, 10000000, &value))
				return EXIT_USAGE;
			o.round_trips = (unsigned)value;
			break;
		case 'p':
			if (!cli_parse_uint("--pairs", optarg, 1, 1u << 24, &value))
				return EXIT_USAGE;
			o.max_pairs = value;
			break;
		case 'k':
			if (!cli_parse_uint("--seed", optarg, 0, ~0ul, &value))
				return EXIT_USAGE;
			o.seed = value;
			break;
		case 'o':
			out_dir = optarg;
			break;
		case 'b':
			into = optarg;
			break;
		case 'h':
			c2c_usage(stdout);
			return 0;
		default:
			return cli_bad_option("c2c", argc, argv);
		}
	}
	if (optind < argc) {
		cli_error("c2c", argv[optind], "unexpected argument (see 'locklab c2c --help')");
		return EXIT_USAGE;
	}

	struct timer_calibration cal;
	hwloc_topology_t topology;
	static unsigned cpus[4096];
	int n = topology_cpu_list(cpus, 4096);
	if (timer_calibrate(&cal) != 0 || n <= 0 || topology_load_this_machine(&topology) != 0) {
		cli_error("c2c", "this machine", "cannot read the timer, the CPUs or the topology");
		return EXIT_ENVIRONMENT;
	}
	struct bundle bundle;
	static const char *const files[] = { BUNDLE_C2C, BUNDLE_ATOMICS };
	if ((rc = bundle_target(&bundle, out_dir, "--bundle", into, files, 2)) != 0) {
		hwloc_topology_destroy(topology);
		return rc;
	}
	hwloc_bitmap_t usable = hwloc_bitmap_alloc();
	for (int i = 0; i < n; i++)
		hwloc_bitmap_set(usable, cpus[i]);

	struct c2c_row *rows = NULL;
	size_t row_count = 0;
	struct phase_fit fit = { 0 };
	rc = 0;
	if (n < 2) {
		printf("c2c: one usable PU: no pair to measure\n");
	} else if (c2c_measure(topology, cpus, (size_t)n, &o, &cal, &rows, &row_count, &fit) != 0) {
		cli_error("c2c", "pairs", "%s", strerror(errno));
		rc = EXIT_ENVIRONMENT;
	} else {
		size_t pairs = (size_t)n * (size_t)(n - 1);
		printf("c2c: %zu of %zu ordered pairs of %d PUs, %u probes of %u round trips each\n",
		       o.max_pairs && o.max_pairs < pairs ? o.max_pairs : pairs, pairs, n, o.samples,
		       o.round_trips);
		c2c_print(cpus, (size_t)n, rows, row_count, &fit);
	}
	struct atomics_row atomics[ATOMICS_OP_COUNT * ATOMICS_RELATION_COUNT];
	long atomic_count = rc == 0 ? atomics_measure(topology, usable, cpus[0], &cal, atomics) : 0;
	if (atomic_count < 0) {
		cli_error("c2c", "atomics", "%s", strerror(errno));
		rc = EXIT_ENVIRONMENT;
	}
	if (rc == 0) {
		atomics_print(atomics, (size_t)atomic_count, cal.overhead_ns);
		if (c2c_write(&bundle, rows, row_count) != 0 ||
		    atomics_write(&bundle, atomics, (size_t)atomic_count, cal.overhead_ns) != 0) {
			cli_error("c2c", bundle.dir, "cannot write: %s", strerror(errno));
			rc = EXIT_ENVIRONMENT;
		}
	}
	if (rc == 0 && into == NULL) {
		json_t *command = json_array();
		for (int i = 0; i < argc; i++)
			json_array_append_new(command, json_string(argv[i]));
		json_t *meta = json_pack("{s:i,s:s,s:o,s:o,s:o,s:{s:s,s:f}}", "schema_version",
					 BUNDLE_SCHEMA_VERSION, "kind", "c2c", "fingerprint",
					 fingerprint_collect(), "build", fingerprint_build(),
					 "command_line", command, "timer", "source", cal.source,
					 "overhead_ns", cal.overhead_ns);
		if (meta == NULL || bundle_write_json(&bundle, BUNDLE_META, meta) != 0) {
			cli_error("c2c", bundle.dir, "cannot write meta.json");
			rc = EXIT_ENVIRONMENT;
		}
		json_decref(meta);
	}
	if (rc == 0)
		printf("bundle: %s\n", bundle.dir);
	free(rows);
	hwloc_bitmap_free(usable);
	hwloc_topology_destroy(topology);
	return rc;
}
