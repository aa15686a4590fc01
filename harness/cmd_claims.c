/* locklab claims: the seed notes' lock claims beside what this machine measures. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/bundle_schema.h"
#include "common/stats.h"
#include "harness/bundle_target.h"
#include "harness/claims.h"
#include "harness/cli.h"
#include "harness/fingerprint.h"
#include "harness/topology.h"
#include "harness/vm_cell.h"

#define CLAIMS_CONFIDENCE 0.95
#define CLAIMS_RESAMPLES 4000
#define CLAIMS_SEED 20261203
/* The VM claim: each guest at 4 harts, its MIPS under parking and under
 * pthread_mutex, the locks alternating rep by rep. */
#define CLAIMS_VM_REPS 11
#define CLAIMS_VM_HARTS 4

/* The floor first, then the seed's three locks' analogues. */
enum { FLOOR, PARKING, FUTEX, PTHREAD, FAIRQ, CLAIMS_LOCKS };
static const char *const claims_lock_names[CLAIMS_LOCKS] = { "null", "parking", "futex_mutex",
							     "pthread_mutex", "fairq" };

struct claim_row {
	char claim[96];
	char seed[32];
	double ours, low, high; /* NaN where there is no interval */
	const char *holds;      /* "yes", "no", or "-" (a figure, not a comparison) */
	char note[128];
};

static void claims_usage(FILE *out)
{
	fputs("usage: locklab claims [--out DIR | --into BUNDLE]\n"
	      "Measures the seed notes' lock claims here, side by side in one run: batches of\n"
	      "10,000 lock+unlock pairs (uncontended, and split over 2 and 4 threads) under\n"
	      "parking, futex_mutex, pthread_mutex and fairq (the analogues of parking_lot,\n"
	      "std's Mutex and tokio's Mutex), their sizes and acquire+release time, and the\n"
	      "ratios with 95 % bootstrap intervals, and the VM's MIPS under parking and\n"
	      "pthread_mutex on lockheavy and pvlock (4 harts, 11 reps each, alternating).\n"
	      "Writes claims.csv into a new bundle\n"
	      "(--out, default results/<stamp>-<host>) or an existing one (--into).\n",
	      out);
}

/* Ratio claim: holds when the seed's ratio lies inside our interval. */
static void claims_ratio_of(struct claim_row *row, const char *claim, double seed_ratio,
			    const double *a, size_t na, const double *b, size_t nb, const char *note)
{
	snprintf(row->claim, sizeof row->claim, "%s", claim);
	snprintf(row->seed, sizeof row->seed, "%.2f", seed_ratio);
	struct stats_ratio ratio;

	if (stats_ratio_ci(a, na, b, nb, CLAIMS_CONFIDENCE, CLAIMS_RESAMPLES, CLAIMS_SEED, &ratio) ==
	    0) {
		row->ours = ratio.ratio;
		row->low = ratio.low;
		row->high = ratio.high;
	} else {
		row->ours = row->low = row->high = NAN;
	}
	row->holds = row->low <= seed_ratio && seed_ratio <= row->high ? "yes" : "no";
	snprintf(row->note, sizeof row->note, "%s", note);
}

static void claims_ratio(struct claim_row *row, const char *claim, double seed_ratio,
			 const double *a, const double *b, size_t n, const char *note)
{
	claims_ratio_of(row, claim, seed_ratio, a, n, b, n, note);
}

static void claims_figure(struct claim_row *row, const char *claim, const char *seed, double ours,
			  const char *note)
{
	snprintf(row->claim, sizeof row->claim, "%s", claim);
	snprintf(row->seed, sizeof row->seed, "%s", seed);
	row->ours = ours;
	row->low = row->high = NAN;
	row->holds = "-";
	snprintf(row->note, sizeof row->note, "%s", note);
}

static size_t claims_rows(const struct claims_lock *m, struct claim_row *rows)
{
	size_t n = 0;
	const double *un[CLAIMS_LOCKS];

	for (int l = 0; l < CLAIMS_LOCKS; l++)
		un[l] = m[l].batch_us[0];
	claims_figure(&rows[n++], "10k ops, parking_lot (parking), us", "150",
		      stats_median(un[PARKING], CLAIMS_BATCHES), "uncontended; machines differ");
	claims_figure(&rows[n++], "10k ops, std Mutex (futex_mutex), us", "300",
		      stats_median(un[FUTEX], CLAIMS_BATCHES), "uncontended");
	claims_figure(&rows[n++], "10k ops, std Mutex (pthread_mutex), us", "300",
		      stats_median(un[PTHREAD], CLAIMS_BATCHES), "uncontended; std before 1.62");
	claims_figure(&rows[n++], "10k ops, tokio Mutex (fairq), us", "500",
		      stats_median(un[FAIRQ], CLAIMS_BATCHES), "uncontended");
	claims_figure(&rows[n++], "10k ops, null lock (the floor), us", "-",
		      stats_median(un[FLOOR], CLAIMS_BATCHES), "the loop and its timing alone");
	claims_ratio(&rows[n++], "std / parking_lot (futex_mutex / parking)", 2.0, un[PARKING],
		     un[FUTEX], CLAIMS_BATCHES, "uncontended batches");
	claims_ratio(&rows[n++], "std / parking_lot (pthread_mutex / parking)", 2.0, un[PARKING],
		     un[PTHREAD], CLAIMS_BATCHES, "uncontended batches");
	claims_ratio(&rows[n++], "tokio / parking_lot (fairq / parking)", 500.0 / 150.0,
		     un[PARKING], un[FAIRQ], CLAIMS_BATCHES, "uncontended batches");
	claims_ratio(&rows[n++], "acquire+release 50 ns -> 15 ns (pthread_mutex / parking)",
		     50.0 / 15.0, un[PARKING], un[PTHREAD], CLAIMS_BATCHES, "the switch the seed made");
	for (int s = 1; s < CLAIMS_SETTINGS; s++) {
		char claim[96], note[64];
		snprintf(claim, sizeof claim, "std / parking_lot at %u threads (futex_mutex / parking)",
			 claims_threads[s]);
		snprintf(note, sizeof note, "contended: 10k ops split over %u threads",
			 claims_threads[s]);
		claims_ratio(&rows[n++], claim, 2.0, m[PARKING].batch_us[s], m[FUTEX].batch_us[s],
			     claims_batches[s], note);
		snprintf(claim, sizeof claim, "tokio / parking_lot at %u threads (fairq / parking)",
			 claims_threads[s]);
		claims_ratio(&rows[n++], claim, 500.0 / 150.0, m[PARKING].batch_us[s],
			     m[FAIRQ].batch_us[s], claims_batches[s], note);
	}
	const char *size_seed[CLAIMS_LOCKS] = { NULL, "8", "8", "8", "40" };
	for (int l = PARKING; l < CLAIMS_LOCKS; l++) {
		char claim[96];
		snprintf(claim, sizeof claim, "lock bytes (%s)", claims_lock_names[l]);
		claims_figure(&rows[n], claim, size_seed[l], (double)m[l].info->lock_bytes,
			      "sizeof, ours beside the Rust type's");
		rows[n].holds = atof(size_seed[l]) == (double)m[l].info->lock_bytes ? "yes" : "no";
		n++;
	}
	return n;
}

/* The VM's MIPS on one guest at CLAIMS_VM_HARTS harts under parking and under
 * pthread_mutex, the locks alternating rep by rep; the ratio's row. -1 with errno
 * when a rep cannot start or a guest is not built. */
static int claims_vm(struct claim_row *row, const char *guest,
		     const struct vm_cell_environment *env, unsigned cpus)
{
	static const char *const names[2] = { "parking", "pthread_mutex" };
	double mips[2][CLAIMS_VM_REPS];
	struct vm_cell cell = { .harts = CLAIMS_VM_HARTS,
				.workers = CLAIMS_VM_HARTS < cpus ? CLAIMS_VM_HARTS : cpus };
	struct vm_cell_result *result = malloc(sizeof *result);
	char claim[96], note[128];
	size_t n[2] = { 0, 0 };

	if (result == NULL || !vm_guest_path(guest, cell.elf, sizeof cell.elf)) {
		free(result);
		return -1;
	}
	snprintf(cell.guest, sizeof cell.guest, "%s", guest);
	for (unsigned rep = 0; rep < CLAIMS_VM_REPS; rep++)
		for (int l = 0; l < 2; l++) {
			cell.lock = ll_find(names[l]);
			vm_cell_make_id(&cell);
			if (vm_cell_run_isolated(&cell, env, result) != 0) {
				free(result);
				return -1;
			}
			if (result->status == VM_CELL_OK && result->wall_s > 0)
				mips[l][n[l]++] = (double)result->insns / result->wall_s / 1e6;
		}
	free(result);
	snprintf(claim, sizeof claim, "VM +70 %% overall (%s MIPS, parking / pthread_mutex)", guest);
	snprintf(note, sizeof note, "%u harts on %u workers, %zu and %zu reps", cell.harts,
		 cell.workers, n[0], n[1]);
	if (n[0] < 2 || n[1] < 2) {
		claims_figure(row, claim, "1.70", NAN, "too few reps finished");
		return 0;
	}
	/* MIPS is a rate: parking's over pthread_mutex's is the speed-up. */
	claims_ratio_of(row, claim, 1.70, mips[1], n[1], mips[0], n[0], note);
	return 0;
}

static void claims_number(FILE *out, double value)
{
	if (isnan(value))
		fputc(',', out);
	else
		fprintf(out, ",%.4g", value);
}

static int claims_write(const struct bundle *bundle, const struct claim_row *rows, size_t n)
{
	FILE *out = bundle_open(bundle, BUNDLE_CLAIMS);

	if (out == NULL)
		return -1;
	fputs(BUNDLE_CLAIMS_COLUMNS "\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "\"%s\",%s", rows[i].claim, rows[i].seed);
		claims_number(out, rows[i].ours);
		claims_number(out, rows[i].low);
		claims_number(out, rows[i].high);
		fprintf(out, ",%s,\"%s\"\n", rows[i].holds, rows[i].note);
	}
	return bundle_commit(bundle, BUNDLE_CLAIMS, out);
}

int cmd_claims(int argc, char **argv)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "into", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out_dir = NULL, *into = NULL;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out_dir = optarg;
			break;
		case 'i':
			into = optarg;
			break;
		case 'h':
			claims_usage(stdout);
			return 0;
		default:
			return cli_bad_option("claims", argc, argv);
		}
	}
	if (optind < argc) {
		cli_error("claims", argv[optind], "unexpected argument (see 'locklab claims --help')");
		return EXIT_USAGE;
	}
	struct bundle bundle;
	static const char *const files[] = { BUNDLE_CLAIMS };
	int rc = bundle_target(&bundle, out_dir, "--into", into, files, 1);
	if (rc != 0)
		return rc;

	static struct claims_lock locks[CLAIMS_LOCKS];
	unsigned cpus[64];
	int cpu_count = topology_cpu_list(cpus, 64);
	for (int l = 0; l < CLAIMS_LOCKS; l++)
		locks[l].info = ll_find(claims_lock_names[l]);
	if (cpu_count <= 0 || claims_measure(locks, CLAIMS_LOCKS, cpus, (unsigned)cpu_count) != 0) {
		cli_error("claims", "measure", "%s", strerror(errno));
		return EXIT_ENVIRONMENT;
	}
	struct claim_row rows[32];
	size_t n = claims_rows(locks, rows);
	struct timer_calibration timer;
	struct vm_cell_environment vm_env = { .timer = &timer, .timeout_s = 60,
					      .probe_cpus = { -1, -1 } };
	static const char *const vm_guests[] = { "lockheavy", "pvlock" };
	if (timer_calibrate(&timer) != 0) {
		cli_error("claims", "timer", "%s", strerror(errno));
		return EXIT_ENVIRONMENT;
	}
	for (size_t g = 0; g < 2; g++)
		if (claims_vm(&rows[n++], vm_guests[g], &vm_env, (unsigned)cpu_count) != 0) {
			cli_error("claims", vm_guests[g], "the VM cannot run it: %s (make guests)",
				  strerror(errno));
			return EXIT_ENVIRONMENT;
		}
	printf("%-58s %8s %10s %21s %5s  %s\n", "claim (seed: Rust VM notes)", "seed", "ours",
	       "95 % CI", "holds", "note");
	for (size_t i = 0; i < n; i++) {
		char ci[32] = "";
		if (!isnan(rows[i].low))
			snprintf(ci, sizeof ci, "[%.3g, %.3g]", rows[i].low, rows[i].high);
		printf("%-58s %8s %10.4g %21s %5s  %s\n", rows[i].claim, rows[i].seed, rows[i].ours, ci,
		       rows[i].holds, rows[i].note);
	}
	if (claims_write(&bundle, rows, n) != 0) {
		cli_error("claims", bundle.dir, "cannot write " BUNDLE_CLAIMS ": %s", strerror(errno));
		return EXIT_ENVIRONMENT;
	}
	if (into == NULL) {
		json_t *meta = json_pack("{s:i,s:s,s:o,s:o}", "schema_version", BUNDLE_SCHEMA_VERSION,
					 "kind", "claims", "fingerprint", fingerprint_collect(), "build",
					 fingerprint_build());
		rc = meta ? bundle_write_json(&bundle, BUNDLE_META, meta) : -1;
		json_decref(meta);
		if (rc != 0) {
			cli_error("claims", bundle.dir, "cannot write meta.json");
			return EXIT_ENVIRONMENT;
		}
	}
	printf("bundle: %s\n", bundle.dir);
	return 0;
}
