#include "harness/vm_plan.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bundle_schema.h"
#include "common/stats.h"
#include "harness/cli.h"
#include "harness/metrics.h"
#include "harness/run_placement.h"
#include "harness/summary.h"

#define VM_PARTIAL_RUN_FIELDS 20
#define VM_PARTIAL_SITE_FIELDS 16

static int add_cell(struct vm_plan *plan, const struct vm_cell *cell)
{
	struct vm_cell *cells = realloc(plan->cells, (plan->cell_count + 1) * sizeof *cells);

	if (cells == NULL)
		return -1;
	plan->cells = cells;
	cells[plan->cell_count++] = *cell;
	return 0;
}

static int add_skip(struct vm_plan *plan, const char *what, const char *reason)
{
	struct matrix_skip *skips = realloc(plan->skips, (plan->skip_count + 1) * sizeof *skips);

	if (skips == NULL)
		return -1;
	plan->skips = skips;
	snprintf(skips[plan->skip_count].what, sizeof skips[0].what, "%s", what);
	snprintf(skips[plan->skip_count].reason, sizeof skips[0].reason, "%s", reason);
	plan->skip_count++;
	return 0;
}

/* The cell once per (affinity, memory policy) of a placed run, else once; what
 * this machine cannot place is a recorded skip, as for every cell. */
static int add_placed(struct vm_plan *plan, struct vm_cell *cell,
		      const struct run_placement *placement)
{
	size_t affinities = placement ? placement->affinity_count : 1;
	size_t mems = placement ? placement->mem_count : 1;

	for (size_t a = 0; a < affinities; a++)
		for (size_t m = 0; m < mems; m++) {
			const char *why = NULL;

			if (placement != NULL) {
				cell->placed = true;
				cell->affinity = (unsigned)a;
				cell->mem = (unsigned)m;
				why = run_placement_why_not(placement, cell->affinity, cell->mem);
			}
			vm_cell_make_id(cell);
			if (why ? add_skip(plan, cell->id, why) : add_cell(plan, cell))
				return -1;
		}
	return 0;
}

/* One guest crossed with locks, harts and workers (and placements). */
static int expand_guest(struct vm_plan *plan, const struct vm_plan_request *request,
			const char *guest, const char *elf, const struct ll_info *const *locks,
			size_t lock_count, unsigned cpus, const struct run_placement *placement)
{
	for (size_t l = 0; l < lock_count; l++)
		for (size_t h = 0; h < request->harts_count; h++) {
			unsigned harts = request->harts[h];
			unsigned fallback = harts < cpus ? harts : cpus;
			size_t worker_options = request->workers_count ? request->workers_count : 1;

			for (size_t w = 0; w < worker_options; w++) {
				struct vm_cell cell = { .lock = locks[l], .harts = harts,
							.workers = request->workers_count
									   ? request->workers[w]
									   : fallback };
				snprintf(cell.guest, sizeof cell.guest, "%s", guest);
				snprintf(cell.elf, sizeof cell.elf, "%s", elf);
				vm_cell_make_id(&cell);
				const char *reason =
					locks[l]->control ? "a control lock: no mutual exclusion for VM sites"
					: locks[l]->single_writer ? "a single-writer lock: VM sites have many writers"
					: cell.workers > harts ? "more workers than harts"
							       : NULL;
				if (reason ? add_skip(plan, cell.id, reason)
					   : add_placed(plan, &cell, placement))
					return -1;
			}
		}
	return 0;
}

int vm_plan_expand(struct vm_plan *plan, const struct vm_plan_request *request,
		   const struct ll_info *const *locks, size_t lock_count, unsigned reps,
		   unsigned cpus, const struct run_placement *placement)
{
	char path[PATH_MAX];

	memset(plan, 0, sizeof *plan);
	plan->partial_fd = -1;
	plan->reps = reps;
	plan->site_locks = request->site_locks;
	plan->site_profile = request->site_profile;
	plan->placement = placement;
	if (request->elf != NULL) {
		char guest[64];
		const char *base = strrchr(request->elf, '/');
		base = base ? base + 1 : request->elf;
		snprintf(guest, sizeof guest, "%.*s",
			 (int)(strlen(base) > 4 && strcmp(base + strlen(base) - 4, ".elf") == 0
				       ? strlen(base) - 4
				       : strlen(base)),
			 base);
		if (access(request->elf, R_OK) != 0) {
			cli_error("--elf", request->elf, "%s", strerror(errno));
			return 2;
		}
		if (expand_guest(plan, request, guest, request->elf, locks, lock_count, cpus,
				 placement) != 0)
			return 3;
	}
	const char *list = request->guests ? request->guests : request->elf ? "" : "lockheavy";
	while (*list) {
		size_t length = strcspn(list, ",");
		char name[64];
		bool known = false;

		snprintf(name, sizeof name, "%.*s", (int)length, list);
		for (size_t g = 0; g < vm_guest_count; g++)
			known |= strcmp(vm_guest_names[g], name) == 0;
		if (!known) {
			cli_error("--guest", name[0] ? name : "\"\"",
				  "unknown guest (see 'locklab run --help')");
			return 2;
		}
		if (!vm_guest_path(name, path, sizeof path)) {
			cli_error("--guest", name, "not built: %s is missing (make guests)", path);
			return 2;
		}
		if (expand_guest(plan, request, name, path, locks, lock_count, cpus, placement) != 0)
			return 3;
		list += length + (list[length] == ',');
	}
	plan->total = plan->cell_count * reps;
	plan->results = calloc(plan->total + 1, sizeof *plan->results);
	plan->done = calloc(plan->total + 1, sizeof *plan->done);
	return plan->results && plan->done ? 0 : 3;
}

void vm_plan_free(struct vm_plan *plan)
{
	if (plan->partial_fd >= 0)
		close(plan->partial_fd);
	free(plan->cells);
	free(plan->skips);
	free(plan->results);
	free(plan->done);
	memset(plan, 0, sizeof *plan);
	plan->partial_fd = -1;
}

void vm_plan_drop_lock(struct vm_plan *plan, const struct ll_info *lock)
{
	size_t kept = 0;

	for (size_t c = 0; c < plan->cell_count; c++) {
		if (plan->cells[c].lock != lock) {
			plan->cells[kept++] = plan->cells[c];
			continue;
		}
		/* A skip that cannot be recorded (no memory) is only left unsaid. */
		add_skip(plan, plan->cells[c].id, "failed the pre-flight torture: not measured");
	}
	plan->cell_count = kept;
	plan->total = kept * plan->reps;
}

/* One rep as it goes to .vm.partial.csv: its site lines, then its run line. */
static void partial_rep(FILE *out, const struct vm_plan *plan, size_t pair)
{
	const struct vm_cell *cell = &plan->cells[pair / plan->reps];
	const struct vm_cell_result *r = &plan->results[pair];
	unsigned rep = (unsigned)(pair % plan->reps);

	for (size_t s = 0; s < r->site_count; s++) {
		const struct vm_cell_site *site = &r->sites[s];

		fprintf(out,
			"site,%s,%u,%s,%s,%d,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			cell->id, rep, site->name, site->lock, site->rw_ops, site->instances,
			site->lock_bytes, site->acquisitions, site->contended, site->wait_p50_ns,
			site->wait_p99_ns, site->wait_total_ns, site->hold_p50_ns, site->hold_p99_ns,
			site->hold_total_ns);
	}
	fprintf(out,
		"run,%s,%u,%s,%s,%" PRIu64 ",%.17g,%" PRIu64 ",%.17g,%.17g,%ld,%ld,%" PRIu64
		",%.17g,%.17g,%zu,%d,%d,%d,%s\n",
		cell->id, rep, vm_cell_status_name(r->status), r->outcome[0] ? r->outcome : "-",
		r->guest_code, r->wall_s, r->insns, r->cpu_user_s, r->cpu_sys_s, r->ctx_voluntary,
		r->ctx_involuntary, r->rss_peak_bytes, r->round_trip_before_ns,
		r->round_trip_after_ns, r->site_count, r->crash_signal, r->ram_node, r->lock_node,
		r->ran_on[0] ? r->ran_on : "-");
}

int vm_plan_append(struct vm_plan *plan, size_t pair)
{
	char *text = NULL;
	size_t length = 0;
	FILE *rep = open_memstream(&text, &length);
	int rc;

	if (rep == NULL)
		return -1;
	partial_rep(rep, plan, pair);
	if (fclose(rep) != 0) {
		free(text);
		return -1;
	}
	/* One write: a kill leaves the rep whole, or a tail the reader drops. */
	rc = bundle_append_synced(plan->partial_fd, text, length);
	free(text);
	return rc;
}

static int parse_u64(const char *text, uint64_t *out)
{
	char *end;

	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (*text == '\0' || *end != '\0' || errno != 0 || *text == '-')
		return -1;
	*out = value;
	return 0;
}

static int parse_double(const char *text, double *out)
{
	char *end;

	*out = strtod(text, &end);
	return *text == '\0' || *end != '\0' ? -1 : 0;
}

/* A NUMA node, or -1 for unknown. */
static int parse_node(const char *text, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(text, &end, 10);
	return *text == '\0' || *end != '\0' || errno != 0 || *out < -1 || *out > INT_MAX ? -1
												  : 0;
}

static long find_cell(const struct vm_plan *plan, const char *id)
{
	for (size_t c = 0; c < plan->cell_count; c++)
		if (strcmp(plan->cells[c].id, id) == 0)
			return (long)c;
	return -1;
}

/* A whole line of the partial file into *pending (site) or the plan (run). */
static int load_line(struct vm_plan *plan, char *line, struct vm_cell_result *pending,
		     char *why, size_t why_size, size_t row)
{
	char *fields[24], *cursor = line;
	size_t n = 0;
	uint64_t rep;

	while (n < 24 && (fields[n] = strsep(&cursor, ",")) != NULL)
		n++;
	bool site = n == VM_PARTIAL_SITE_FIELDS && strcmp(fields[0], "site") == 0;
	bool run = n == VM_PARTIAL_RUN_FIELDS && strcmp(fields[0], "run") == 0;
	long cell = site || run ? find_cell(plan, fields[1]) : -1;
	if ((!site && !run) || parse_u64(fields[2], &rep) != 0) {
		snprintf(why, why_size, "row %zu: not a VM rep's line", row);
		return -1;
	}
	if (cell < 0 || rep >= plan->reps) {
		snprintf(why, why_size, "row %zu: %s rep %s is not in this run's plan", row,
			 fields[1], fields[2]);
		return -1;
	}
	size_t pair = (size_t)cell * plan->reps + rep;
	if (site) {
		struct vm_cell_site *s;
		uint64_t rw, instances;
		if (pending->site_count == VM_CELL_MAX_SITES) {
			snprintf(why, why_size, "row %zu: more than %d sites in one rep", row,
				 VM_CELL_MAX_SITES);
			return -1;
		}
		s = &pending->sites[pending->site_count];
		snprintf(s->name, sizeof s->name, "%s", fields[3]);
		snprintf(s->lock, sizeof s->lock, "%s", fields[4]);
		if (parse_u64(fields[5], &rw) || parse_u64(fields[6], &instances) ||
		    parse_u64(fields[7], &s->lock_bytes) || parse_u64(fields[8], &s->acquisitions) ||
		    parse_u64(fields[9], &s->contended) || parse_u64(fields[10], &s->wait_p50_ns) ||
		    parse_u64(fields[11], &s->wait_p99_ns) ||
		    parse_u64(fields[12], &s->wait_total_ns) ||
		    parse_u64(fields[13], &s->hold_p50_ns) || parse_u64(fields[14], &s->hold_p99_ns) ||
		    parse_u64(fields[15], &s->hold_total_ns)) {
			snprintf(why, why_size, "row %zu: a field is not a number", row);
			return -1;
		}
		s->rw_ops = rw != 0;
		s->instances = (unsigned)instances;
		pending->site_count++;
		return 0;
	}
	struct vm_cell_result *r = &plan->results[pair];
	uint64_t sites, vol, invol;
	uint64_t signal_number;
	long ram_node, lock_node;
	if (plan->done[pair]) {
		snprintf(why, why_size, "row %zu: %s rep %s twice", row, fields[1], fields[2]);
		return -1;
	}
	*r = *pending;
	int status = -1;
	for (int st = VM_CELL_OK; st <= VM_CELL_ERROR; st++)
		if (strcmp(fields[3], vm_cell_status_name((enum vm_cell_status)st)) == 0)
			status = st;
	snprintf(r->outcome, sizeof r->outcome, "%s", strcmp(fields[4], "-") ? fields[4] : "");
	if (status < 0 || parse_u64(fields[5], &r->guest_code) ||
	    parse_double(fields[6], &r->wall_s) || parse_u64(fields[7], &r->insns) ||
	    parse_double(fields[8], &r->cpu_user_s) || parse_double(fields[9], &r->cpu_sys_s) ||
	    parse_u64(fields[10], &vol) || parse_u64(fields[11], &invol) ||
	    parse_u64(fields[12], &r->rss_peak_bytes) ||
	    parse_double(fields[13], &r->round_trip_before_ns) ||
	    parse_double(fields[14], &r->round_trip_after_ns) || parse_u64(fields[15], &sites) ||
	    parse_u64(fields[16], &signal_number) || parse_node(fields[17], &ram_node) ||
	    parse_node(fields[18], &lock_node)) {
		snprintf(why, why_size, "row %zu: a field is not a number or a status", row);
		return -1;
	}
	if (sites != pending->site_count) {
		snprintf(why, why_size, "row %zu: %s rep %s has %zu site lines, its run line says %"
			 PRIu64, row, fields[1], fields[2], pending->site_count, sites);
		return -1;
	}
	r->status = (enum vm_cell_status)status;
	r->ctx_voluntary = (long)vol;
	r->ctx_involuntary = (long)invol;
	r->crash_signal = (int)signal_number;
	r->ram_node = (int)ram_node;
	r->lock_node = (int)lock_node;
	snprintf(r->ran_on, sizeof r->ran_on, "%s", strcmp(fields[19], "-") ? fields[19] : "");
	plan->done[pair] = true;
	memset(pending, 0, sizeof *pending);
	return 0;
}

/* The reps of an unfinished run's partial file; a last line without its newline
 * (and the site lines of a rep whose run line never came) are dropped. */
static int load_partial(struct vm_plan *plan, const char *path, char *why, size_t why_size)
{
	FILE *in = fopen(path, "r");
	struct vm_cell_result *pending = calloc(1, sizeof *pending);
	char line[1024];
	size_t row = 0;
	int rc = 0;

	if (in == NULL || pending == NULL) {
		snprintf(why, why_size, "%s", in == NULL ? strerror(errno) : "out of memory");
		if (in)
			fclose(in);
		free(pending);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof line, in) != NULL) {
		size_t length = strlen(line);

		row++;
		if (length == 0 || line[length - 1] != '\n')
			break; /* torn by a kill: that rep is measured again */
		line[length - 1] = '\0';
		rc = load_line(plan, line, pending, why, why_size, row);
	}
	fclose(in);
	free(pending);
	return rc;
}

int vm_plan_start_partial(struct vm_plan *plan, const struct bundle *bundle, bool resume,
			  char *why, size_t why_size)
{
	char path[1200], temp[1300];
	FILE *out;

	bundle_path(bundle, VM_PLAN_PARTIAL, path, sizeof path);
	/* No file on a resume: the run was stopped before it started its VM reps
	 * (the file is made before the first), so none was measured. */
	if (resume && access(path, F_OK) == 0 && load_partial(plan, path, why, why_size) != 0)
		return -1;
	/* Rewritten with the reps taken up, so appends follow whole lines. */
	snprintf(temp, sizeof temp, "%s.tmp", path);
	out = fopen(temp, "w");
	if (out == NULL) {
		snprintf(why, why_size, "%s", strerror(errno));
		return -1;
	}
	for (size_t pair = 0; pair < plan->total; pair++)
		if (plan->done[pair])
			partial_rep(out, plan, pair);
	if (fflush(out) != 0 || fsync(fileno(out)) != 0 || fclose(out) != 0 ||
	    rename(temp, path) != 0 || bundle_sync_dir(bundle->dir) != 0) {
		snprintf(why, why_size, "%s", strerror(errno));
		return -1;
	}
	plan->partial_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (plan->partial_fd < 0) {
		snprintf(why, why_size, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Per rep, what the rows and the summary say. */
struct vm_rep_figures {
	double mips, mips_per_hart, lock_bytes, acquisitions, contended, wait_ns;
};

static struct vm_rep_figures figures(const struct vm_plan *plan, size_t pair)
{
	const struct vm_cell_result *r = &plan->results[pair];
	const struct vm_cell *cell = &plan->cells[pair / plan->reps];
	struct vm_rep_figures f = { NAN, NAN, 0, 0, 0, 0 };

	if (r->wall_s > 0) {
		f.mips = (double)r->insns / r->wall_s / 1e6;
		f.mips_per_hart = f.mips / cell->harts;
	}
	for (size_t s = 0; s < r->site_count; s++) {
		f.lock_bytes += (double)r->sites[s].lock_bytes;
		f.acquisitions += (double)r->sites[s].acquisitions;
		f.contended += (double)r->sites[s].contended;
		f.wait_ns += (double)r->sites[s].wait_total_ns;
	}
	return f;
}

static enum phase rep_phase(const struct vm_cell_result *r, const struct phase_fit *fit,
			    bool *shift)
{
	*shift = false;
	return fit ? phase_of_rep(fit, r->round_trip_before_ns, r->round_trip_after_ns, shift)
		   : PHASE_ONE;
}

/* A text field that may hold commas (list:0,2; --site a=x,b=y), quoted as
 * RFC 4180 says. */
static void quoted(FILE *out, const char *text)
{
	fputs(",\"", out);
	for (; *text; text++) {
		if (*text == '"')
			fputc('"', out);
		fputc(*text, out);
	}
	fputc('"', out);
}

/* -1 (unknown) as an empty field. */
static void node(FILE *out, int value)
{
	if (value >= 0)
		fprintf(out, ",%d", value);
	else
		fputc(',', out);
}

static void number(FILE *out, double value)
{
	if (isfinite(value))
		fprintf(out, ",%.6g", value);
	else
		fputc(',', out);
}

int vm_plan_write_runs(const struct vm_plan *plan, const struct bundle *bundle,
		       const struct phase_fit *fit)
{
	FILE *out = bundle_open(bundle, BUNDLE_VM_RUNS);

	if (out == NULL)
		return -1;
	fputs(BUNDLE_VM_RUNS_COLUMNS "\n", out);
	for (size_t pair = 0; pair < plan->total; pair++) {
		const struct vm_cell *cell = &plan->cells[pair / plan->reps];
		const struct vm_cell_result *r = &plan->results[pair];
		struct vm_rep_figures f = figures(plan, pair);
		bool ok = r->status == VM_CELL_OK, shift;
		enum phase phase = rep_phase(r, fit, &shift);

		if (!plan->done[pair])
			continue;
		fprintf(out, "%s,%s,%s,%u,%u,%zu,%s", cell->id, cell->lock->name, cell->guest,
			cell->harts, cell->workers, pair % plan->reps, vm_cell_status_name(r->status));
		number(out, ok ? r->wall_s : NAN);
		fprintf(out, ",%" PRIu64, r->insns);
		number(out, ok ? f.mips : NAN);
		number(out, ok ? f.mips_per_hart : NAN);
		number(out, r->cpu_user_s);
		number(out, r->cpu_sys_s);
		fprintf(out, ",%ld,%ld,%" PRIu64 ",%.0f,%.0f", r->ctx_voluntary, r->ctx_involuntary,
			r->rss_peak_bytes, f.lock_bytes, f.acquisitions);
		if (plan->site_profile)
			fprintf(out, ",%.0f,%.0f", f.contended, f.wait_ns);
		else
			fputs(",,", out);
		fprintf(out, ",%s,%s,%" PRIu64, shift ? "phase_shift" : "",
			r->outcome[0] ? r->outcome : "", r->guest_code);
		number(out, r->round_trip_before_ns);
		number(out, r->round_trip_after_ns);
		fprintf(out, ",%s", ok && !shift ? phase_name(phase) : "");
		quoted(out, plan->site_locks ? plan->site_locks : "");
		quoted(out, cell->placed ? plan->placement->affinity_text[cell->affinity] : "");
		quoted(out, cell->placed ? plan->placement->mem_text[cell->mem] : "");
		node(out, r->ram_node);
		node(out, r->lock_node);
		fprintf(out, ",%s\n", r->ran_on);
	}
	return bundle_commit(bundle, BUNDLE_VM_RUNS, out);
}

int vm_plan_write_sites(const struct vm_plan *plan, const struct bundle *bundle)
{
	FILE *out = bundle_open(bundle, BUNDLE_VM_SITES);

	if (out == NULL)
		return -1;
	fputs(BUNDLE_VM_SITES_COLUMNS "\n", out);
	for (size_t pair = 0; pair < plan->total; pair++) {
		const struct vm_cell *cell = &plan->cells[pair / plan->reps];
		const struct vm_cell_result *r = &plan->results[pair];

		if (!plan->done[pair])
			continue;
		for (size_t s = 0; s < r->site_count; s++) {
			const struct vm_cell_site *site = &r->sites[s];

			fprintf(out, "%s,%s,%s,%u,%u,%zu,%s,%u,%" PRIu64, cell->id, cell->lock->name,
				cell->guest, cell->harts, cell->workers, pair % plan->reps,
				site->name, site->instances, site->acquisitions);
			if (plan->site_profile)
				fprintf(out,
					",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
					",%" PRIu64 ",%" PRIu64,
					site->contended, site->wait_p50_ns, site->wait_p99_ns,
					site->wait_total_ns, site->hold_p50_ns, site->hold_p99_ns,
					site->hold_total_ns);
			else
				fputs(",,,,,,,", out);
			fprintf(out, ",%s,%s,%" PRIu64 "\n", site->lock, site->rw_ops ? "rw" : "mutex",
				site->lock_bytes);
		}
	}
	return bundle_commit(bundle, BUNDLE_VM_SITES, out);
}

/* The summary metrics of a VM cell, in summary.csv's metric column. */
#define VM_METRIC_ENUM(name) VM_METRIC_##name,
#define VM_METRIC_NAME(name) #name,
enum vm_metric { BUNDLE_VM_METRICS(VM_METRIC_ENUM) VM_METRIC_COUNT };
static const char *const vm_metric_names[VM_METRIC_COUNT] = { BUNDLE_VM_METRICS(VM_METRIC_NAME) };

static double metric_value(const struct vm_plan *plan, size_t pair, enum vm_metric metric)
{
	const struct vm_cell_result *r = &plan->results[pair];
	struct vm_rep_figures f = figures(plan, pair);

	switch (metric) {
	case VM_METRIC_mips: return f.mips;
	case VM_METRIC_mips_per_hart: return f.mips_per_hart;
	case VM_METRIC_wall_s: return r->wall_s;
	case VM_METRIC_cpu_user_s: return r->cpu_user_s;
	case VM_METRIC_cpu_sys_s: return r->cpu_sys_s;
	case VM_METRIC_rss_peak_bytes: return (double)r->rss_peak_bytes;
	case VM_METRIC_lock_bytes_total: return f.lock_bytes;
	case VM_METRIC_acquisitions: return f.acquisitions;
	case VM_METRIC_contended: return plan->site_profile ? f.contended : NAN;
	case VM_METRIC_wait_ns_total: return plan->site_profile ? f.wait_ns : NAN;
	default: return NAN;
	}
}

void vm_plan_write_summary(FILE *out, const struct vm_plan *plan, const struct phase_fit *fit)
{
	double *values = malloc((plan->reps + 1) * sizeof *values);
	char flags[160];

	if (values == NULL)
		return;
	for (size_t c = 0; c < plan->cell_count; c++) {
		unsigned ok = 0, failed = 0, measured = 0;

		for (unsigned rep = 0; rep < plan->reps; rep++) {
			size_t pair = c * plan->reps + rep;
			measured += plan->done[pair];
			ok += plan->done[pair] && plan->results[pair].status == VM_CELL_OK;
			failed += plan->done[pair] &&
				  (plan->results[pair].status == VM_CELL_TIMEOUT ||
				   plan->results[pair].status == VM_CELL_CRASHED);
		}
		if (measured == 0)
			continue;
		for (int phase = PHASE_ONE; phase <= PHASE_SLOW; phase++) {
			double mips_cv = NAN;

			for (int m = 0; m < VM_METRIC_COUNT; m++) {
				size_t n = 0;

				for (unsigned rep = 0; rep < plan->reps; rep++) {
					size_t pair = c * plan->reps + rep;
					bool shift;
					if (!plan->done[pair] ||
					    plan->results[pair].status != VM_CELL_OK ||
					    (int)rep_phase(&plan->results[pair], fit, &shift) != phase ||
					    shift)
						continue;
					double value = metric_value(plan, pair, (enum vm_metric)m);
					if (isfinite(value))
						values[n++] = value;
				}
				if (n == 0)
					continue;
				struct stats_spread spread;
				stats_describe(values, n, SUMMARY_CONFIDENCE, &spread);
				if (m == VM_METRIC_mips)
					mips_cv = spread.cv;
				unsigned flag_bits = (n < SUMMARY_FEW_REPS ? FLAG_FEW_REPS : 0) |
						     (failed ? FLAG_TIMEOUT : 0) |
						     (mips_cv > SUMMARY_NOISY_CV ? FLAG_NOISY : 0);
				metrics_flags_text(flag_bits, flags, sizeof flags);
				fprintf(out, "%s,%s", plan->cells[c].id, vm_metric_names[m]);
				number(out, spread.median);
				number(out, spread.ci_low);
				number(out, spread.ci_high);
				number(out, spread.cv);
				fprintf(out, ",%zu,%s,%s", n, flags, phase_name((enum phase)phase));
				number(out, spread.ci_level);
				fprintf(out, ",%u,%u\n", ok, failed);
			}
		}
		if (ok == 0) {
			metrics_flags_text(FLAG_TIMEOUT, flags, sizeof flags);
			fprintf(out, "%s,mips,,,,,0,%s,,,%u,%u\n", plan->cells[c].id, flags, ok,
				failed);
		}
	}
	free(values);
}

size_t vm_plan_probes(const struct vm_plan *plan, double *out)
{
	size_t n = 0;

	for (size_t pair = 0; pair < plan->total; pair++) {
		if (!plan->done[pair])
			continue;
		out[n++] = plan->results[pair].round_trip_before_ns;
		out[n++] = plan->results[pair].round_trip_after_ns;
	}
	return n;
}

void vm_plan_print_ranking(FILE *out, const struct vm_plan *plan)
{
	double *values = malloc((plan->reps + 1) * sizeof *values);

	if (values == NULL || plan->cell_count == 0) {
		free(values);
		return;
	}
	fprintf(out, "\nVM: median MIPS over finished reps (all phases), per guest, harts and lock\n");
	fprintf(out, "%-12s %5s %7s %-24s %10s %10s %5s\n", "guest", "harts", "workers", "lock",
		"MIPS", "per hart", "reps");
	for (size_t c = 0; c < plan->cell_count; c++) {
		size_t n = 0;

		for (unsigned rep = 0; rep < plan->reps; rep++) {
			size_t pair = c * plan->reps + rep;
			if (plan->done[pair] && plan->results[pair].status == VM_CELL_OK)
				values[n++] = figures(plan, pair).mips;
		}
		double mips = stats_median(values, n);
		fprintf(out, "%-12s %5u %7u %-24s %10.1f %10.1f %5zu\n", plan->cells[c].guest,
			plan->cells[c].harts, plan->cells[c].workers, plan->cells[c].lock->name, mips,
			mips / plan->cells[c].harts, n);
	}
	free(values);
	if (!plan->site_profile)
		return;
	/* The five (cell, site) pairs that waited longest, summed over reps. */
	struct top {
		size_t cell;
		const char *site;
		uint64_t wait;
	} top[5] = { { 0, NULL, 0 } };
	for (size_t c = 0; c < plan->cell_count; c++) {
		const struct vm_cell_result *first = &plan->results[c * plan->reps];
		for (size_t s = 0; s < first->site_count; s++) {
			uint64_t wait = 0;
			for (unsigned rep = 0; rep < plan->reps; rep++) {
				const struct vm_cell_result *r = &plan->results[c * plan->reps + rep];
				for (size_t k = 0; k < r->site_count; k++)
					if (strcmp(r->sites[k].name, first->sites[s].name) == 0)
						wait += r->sites[k].wait_total_ns;
			}
			for (size_t t = 0; t < 5; t++)
				if (top[t].site == NULL || wait > top[t].wait) {
					memmove(&top[t + 1], &top[t], (4 - t) * sizeof top[0]);
					top[t] = (struct top){ c, first->sites[s].name, wait };
					break;
				}
		}
	}
	fprintf(out, "VM: the lock sites that waited longest (all reps)\n");
	for (size_t t = 0; t < 5 && top[t].site != NULL; t++)
		fprintf(out, "  %-40s %-12s %12.3f ms\n", plan->cells[top[t].cell].id, top[t].site,
			(double)top[t].wait / 1e6);
}
